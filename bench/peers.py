"""procpool's PoolBench against PHP's pcntl pool and Python's pools, interleaved rounds in one sitting.

Run through bench/peers.sh (it installs php-cli and gnuplot and builds the jar). Every system runs every workload once
per round, one after the other, the order rotated each round; ratios are taken within a round, then their median.
Writes OUT/raw.tsv (every run), OUT/table.md (medians, ranges, ratios, load average) and OUT/chart.png (gnuplot).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

CP = "pool-examples/target/procpool-examples.jar:pool-examples/target/lib/*"
POOL_BENCH = ["java", "-cp", CP, "io.procpool.examples.bench.PoolBench"]

# key, label, procpool workload and prefetch, PHP workload and in-flight per worker, Python workload
WORKLOADS = [
    ("noop16", "no-op, 16 in flight per worker (procpool prefetch 16)", "noop", 16, 16, "noop"),
    ("noop1", "no-op, 1 in flight (procpool prefetch 0)", "noop", 0, 1, "noop"),
    ("echo16", "4 KiB echo, 16 in flight (prefetch 16)", "echo4k", 16, 16, "echo4k"),
    ("echo1", "4 KiB echo, 1 in flight (prefetch 0)", "echo4k", 0, 1, "echo4k"),
    ("cpu", "400 x 10 ms CPU (prefetch 0, PHP 1 in flight)", "cpu", 0, 1, "cpu"),
]
SHORT = {"noop16": "no-op 16", "noop1": "no-op 1", "echo16": "echo 4K 16", "echo1": "echo 4K 1", "cpu": "CPU 10 ms"}
LINE = re.compile(r"^(\S+) (\S+) (\d+) ([0-9.]+) ([0-9.]+) ok=(\d+) failed=(\d+)")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run(cmd, timeout):
    """Runs one benchmark process; returns the result lines it printed (the peers' one-line format)."""
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rows = [LINE.match(l) for l in p.stdout.splitlines()]
    rows = [m for m in rows if m]
    if not rows:
        sys.exit(f"no result line from: {' '.join(cmd)}\n{p.stdout[-2000:]}")
    for m in rows:
        if int(m.group(7)) != 0 or int(m.group(6)) != int(m.group(3)):
            sys.exit(f"tasks failed or missing in: {m.group(0)}")
    print(f"  {time.time() - t0:6.1f} s  {' | '.join(m.group(0) for m in rows)}", flush=True)
    return rows


def fmt(v):
    return f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"


def cell(values):
    if not values:
        return ""
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def ratio_cell(values):
    if not values:
        return ""
    return f"**{statistics.median(values):.2f}** ({min(values):.2f}–{max(values):.2f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--peers", default="../shared/bench", help="folder of pcntl_pool.php and py_pool.py")
    ap.add_argument("--noop-tasks", type=int, default=100_000, help="no-op tasks per run, procpool and PHP")
    ap.add_argument("--echo-tasks", type=int, default=50_000, help="4 KiB echo tasks per run, procpool and PHP")
    ap.add_argument("--python-tasks", type=int, default=20_000, help="no-op and echo tasks per Python run")
    ap.add_argument("--python", default="python3")
    ap.add_argument("--timeout", type=int, default=900, help="seconds one run may take")
    ap.add_argument("--queue", type=int, default=0,
                    help="procpool's queueCapacity (PoolBench --queue); 0: PoolBench's default, the number of tasks")
    ap.add_argument("--warmup", type=int, default=0,
                    help="procpool's warm-up tasks before each measured run (PoolBench --warmup; for the CPU row,"
                         " no-op tasks before its 600 short ones); 0: its default, 20,000 (none extra for the CPU"
                         " row), which leaves the JIT of manager and workers at work in the measured run")
    ap.add_argument("--stream", action="store_true",
                    help="procpool gets every task at once with a callback that counts it and lets its result go"
                         " (PoolBench --stream), the queue at the pool's default bounds")
    ap.add_argument("--window", action="store_true",
                    help="procpool keeps as many tasks outstanding as PHP keeps in flight (2 workers x its window)"
                         " instead of submitting every task first and joining them after")
    a = ap.parse_args()
    if a.stream and a.window:
        ap.error("--stream and --window: one way to feed procpool")
    os.makedirs(a.out, exist_ok=True)
    php_pool = os.path.join(a.peers, "pcntl_pool.php")
    py_pool = os.path.join(a.peers, "py_pool.py")
    tasks = {"noop": a.noop_tasks, "echo4k": a.echo_tasks, "cpu": 400}
    py_tasks = {"noop": a.python_tasks, "echo4k": a.python_tasks, "cpu": 400}

    results = {}  # (round, key, system) -> tasks/s
    loads = [loadavg()]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    raw = open(os.path.join(a.out, "raw.tsv"), "w")
    raw.write("round\tworkload\tsystem\ttasks\tseconds\ttasks_per_s\tloadavg\n")
    for r in range(a.rounds):
        print(f"round {r + 1}/{a.rounds}, load average {loadavg()}", flush=True)
        python_done = {}
        order = WORKLOADS[r % len(WORKLOADS):] + WORKLOADS[:r % len(WORKLOADS)]
        for key, _, pw, prefetch, inflight, pyw in order:
            systems = ["procpool", "php", "python"]
            systems = systems[r % 3:] + systems[:r % 3]
            for system in systems:
                if system == "procpool":
                    window = ["--window", str(2 * inflight)] if a.window else ["--stream"] if a.stream else []
                    window += ["--queue", str(a.queue)] if a.queue > 0 else []
                    window += ["--warmup", str(a.warmup)] if a.warmup > 0 else []
                    rows = run(POOL_BENCH + ["--workload", pw, "--prefetch", str(prefetch), "--tasks", str(tasks[pw])]
                               + window, a.timeout)
                    named = [("procpool", rows[0])]
                elif system == "php":
                    rows = run(["php", php_pool, pw, str(tasks[pw]), str(inflight)], a.timeout)
                    named = [("php", rows[0])]
                else:
                    if pyw not in python_done:  # one Python run per workload and round serves both in-flight rows
                        python_done[pyw] = run([a.python, py_pool, pyw, str(py_tasks[pyw])], a.timeout)
                    rows = python_done[pyw]
                    named = [("py-ppe" if "ProcessPool" in m.group(1) else "py-mp", m) for m in rows]
                for name, m in named:
                    results[(r, key, name)] = float(m.group(5))
                    raw.write(f"{r + 1}\t{key}\t{m.group(1)}\t{m.group(3)}\t{m.group(4)}\t{m.group(5)}\t{loadavg()}\n")
                raw.flush()
        loads.append(loadavg())
    raw.close()
    write_table(a, results, loads, started)
    write_chart(a, results)


def series(results, rounds, key, system):
    return [results[(r, key, system)] for r in range(rounds) if (r, key, system) in results]


def best_python(results, r, key):
    v = [results[(r, key, s)] for s in ("py-ppe", "py-mp") if (r, key, s) in results]
    return max(v) if v else None


def write_table(a, results, loads, started):
    n = a.rounds
    out = [f"Measured {started}, {n} interleaved rounds; load average (1, 5, 15 min) at the start and after each round: "
           + "; ".join(loads) + ". procpool fed "
           + ("by a window of 2 × PHP's in-flight tasks" if a.window else "as a stream (PoolBench --stream)" if a.stream
              else "in bulk (every task submitted, then joined)")
           + f", after {a.warmup or 20000} warm-up tasks.", "",
           "| workload (2 workers) | procpool TaskPool | PHP pcntl + socketpair | Python ProcessPoolExecutor "
           "| Python multiprocessing.Pool | procpool / PHP | procpool / Python (faster pool) |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for key, label, *_ in WORKLOADS:
        vs_php = [results[(r, key, "procpool")] / results[(r, key, "php")] for r in range(n)
                  if (r, key, "procpool") in results and (r, key, "php") in results]
        vs_py = [results[(r, key, "procpool")] / best_python(results, r, key) for r in range(n)
                 if (r, key, "procpool") in results and best_python(results, r, key)]
        out.append(f"| {label} | " + " | ".join(cell(series(results, n, key, s))
                                               for s in ("procpool", "php", "py-ppe", "py-mp"))
                   + f" | {ratio_cell(vs_php)} | {ratio_cell(vs_py)} |")
    out += ["", "Tasks/s, median of the rounds (min–max); ratios are taken within each round, then their median "
            "(min–max). Python's pools have no in-flight setting (every task is submitted at once), so one Python "
            "run per workload and round serves both in-flight rows.", ""]
    over = []
    for s, name in (("procpool", "procpool"), ("php", "PHP pcntl"), ("py-ppe", "Python ProcessPoolExecutor"),
                    ("py-mp", "Python multiprocessing.Pool")):
        v = [200.0 / x - 1 for x in series(results, n, "cpu", s)]  # ideal: 2 workers x 100 tasks/s
        if v:
            over.append(f"{name} {100 * statistics.median(v):.1f} % ({100 * min(v):.1f}–{100 * max(v):.1f} %)")
    out.append("400 × 10 ms CPU, wall time over the ideal 2× (400 × 10 ms / 2 = 2 s), median (min–max): "
               + "; ".join(over) + ".")
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


def write_chart(a, results):
    n = a.rounds
    dat = os.path.join(a.out, "chart.dat")
    with open(dat, "w") as f:
        for key, *_ in WORKLOADS:
            py = [best_python(results, r, key) for r in range(n) if best_python(results, r, key)]
            vals = [statistics.median(series(results, n, key, "procpool")),
                    statistics.median(series(results, n, key, "php")), statistics.median(py)]
            f.write(f"\"{SHORT[key]}\" " + " ".join(f"{v:.0f}" for v in vals) + "\n")
    png = os.path.join(a.out, "chart.png")
    script = f"""
set terminal pngcairo size 900,480 font ",11"
set output '{png}'
set title "Tasks/s per workload, 2 workers, median of {n} interleaved rounds (log scale; higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [10:*]
set ylabel "tasks/s"
set xlabel "workload, tasks in flight per worker"
set grid ytics
set key top right
plot '{dat}' using 2:xtic(1) title "procpool TaskPool" lc rgb "#1f77b4", \\
     '' using 3 title "PHP pcntl" lc rgb "#8c564b", \\
     '' using 4 title "Python (faster pool)" lc rgb "#2ca02c"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"chart: {png}")


if __name__ == "__main__":
    main()
