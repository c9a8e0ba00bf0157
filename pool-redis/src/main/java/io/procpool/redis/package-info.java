/**
 * Scale-out on Redis Streams (docs/scale-out.md): many nodes drain one queue. {@link io.procpool.redis.RedisNode} is a
 * {@code TaskPool} whose jobs come from a {@link io.procpool.redis.RedisSource} (the engine's {@code JobSource} seam);
 * {@link io.procpool.redis.RedisSubmitter} gives {@code TaskFuture}s from any JVM. Underneath, engine-independent and
 * in bytes: {@link io.procpool.redis.NodeQueue} (read, renew, reclaim, owned completion, dead letters, give-back, all
 * checked by Lua scripts next to these classes), {@link io.procpool.redis.LeaseKeeper} (its own timer thread),
 * {@link io.procpool.redis.Submitter} (its own reply-reader thread, Redis restarts), and
 * {@link io.procpool.redis.DeadLetters} for operators. Threads: a node's fetch thread reads and reclaims, its lease
 * thread renews, its cancel thread reads the control stream (a submitter's cancels), the pool's completer thread
 * sends completions and progress events (group-committed, results on Lettuce's I/O threads); blocking reads have
 * connections of their own. Meters: {@code RedisMetrics} (a node), {@code SubmitterMetrics} (a submitter), loaded
 * only when given a registry.
 */
package io.procpool.redis;
