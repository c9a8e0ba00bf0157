/**
 * The {@code procpool} command line ({@link io.procpool.examples.cli.Main}, built with picocli): one class per
 * sub-command, listed in {@code Main}'s {@code subcommands}. {@code demo} runs a CPU-heavy batch
 * ({@link io.procpool.examples.cli.HashChain} per item) on a pool of worker JVMs, some of whose workers it crashes
 * on purpose, and prints live progress on stderr and a summary with a deterministic check value on stdout.
 * {@code run} is GNU parallel's job with procpool's supervision ({@link io.procpool.examples.cli.RunSetup} reads its
 * command line, {@link io.procpool.examples.cli.RunJob} runs it): any command as persistent workers in checked line
 * mode or protocol mode ({@link io.procpool.examples.cli.PoolItems}), or one process per item when it holds {@code {}}
 * ({@link io.procpool.examples.cli.PerItem}), over the lines of its input, results in input order through a bounded
 * window ({@link io.procpool.examples.cli.ItemWriter}), failures to their own file, GNU parallel's job log. Both share
 * the progress line ({@link io.procpool.examples.cli.Progress}), the summary, the Ctrl-C handling
 * ({@link io.procpool.examples.cli.ExitHook}) and {@code --metrics-port}.
 */
package io.procpool.examples.cli;
