/**
 * The {@code procpool} command line ({@link io.procpool.examples.cli.Main}, built with picocli): one class per
 * sub-command, listed in {@code Main}'s {@code subcommands}. {@code demo} runs a CPU-heavy batch
 * ({@link io.procpool.examples.cli.HashChain} per item) on a pool of worker JVMs, some of whose workers it crashes
 * on purpose, and prints live progress on stderr and a summary with a deterministic check value on stdout.
 * {@code run} is GNU parallel's job on persistent, supervised workers: any command, in line or protocol mode, over
 * the lines of its input, results in input order through a bounded window, failures to their own file. Both share
 * the progress line ({@link io.procpool.examples.cli.Progress}), the summary, the Ctrl-C handling
 * ({@link io.procpool.examples.cli.ExitHook}) and {@code --metrics-port}.
 */
package io.procpool.examples.cli;
