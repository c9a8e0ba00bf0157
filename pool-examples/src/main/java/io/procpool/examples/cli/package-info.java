/**
 * The {@code procpool} command line ({@link io.procpool.examples.cli.Main}, built with picocli): one class per
 * sub-command, listed in {@code Main}'s {@code subcommands}. {@code demo} runs a CPU-heavy batch
 * ({@link io.procpool.examples.cli.HashChain} per item) on a pool of worker JVMs, some of whose workers it crashes
 * on purpose, and prints live progress on stderr and a summary with a deterministic check value on stdout.
 */
package io.procpool.examples.cli;
