"""Where the time and the allocation go in a JFR recording (JDK 17's `jfr` has no `view`).

    python3 bench/jfr_top.py RECORDING.jfr [--tasks N] [--top 15] [--thread-prefix procpool]

CPU: jdk.ExecutionSample counted by thread, by top frame (self), and by the first frame of procpool's own code
(io.procpool.*) on the stack (where procpool's code hands off to the JDK or Kryo); jdk.NativeMethodSample (threads in
system calls or parked) by thread and native frame. Allocation: jdk.ObjectAllocationSample
weights (the bytes each sample stands for) by thread, by class, and by the first procpool frame; with --tasks, bytes
per task. Also the number and total pause of garbage collections.
"""
import argparse
import collections
import datetime
import json
import subprocess


def when(e):
    t = e["values"].get("startTime", "")  # 2026-12-04T21:20:32.878700825Z: nanoseconds, cut to micro
    head, _, frac = t.rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(head + "." + (frac + "000000")[:6]).timestamp()


def events(path, types, last=0.0):
    """The events of these types; with last > 0 only those of the recording's last seconds (the measured phase)."""
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", ",".join(types), path],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    evs = json.loads(out)["recording"]["events"]
    if last > 0 and evs:
        end = END.get(path) or max(when(e) for e in evs)
        evs = [e for e in evs if when(e) >= end - last]
    return evs


END = {}


def frame_name(f):
    m = f.get("method") or {}
    t = (m.get("type") or {}).get("name", "?").replace("/", ".")
    return f"{t}.{m.get('name', '?')}"


def thread_name(t):
    if not t:
        return "?"
    return t.get("javaName") or t.get("osName") or "?"


def first_own(frames, prefix):
    for f in frames:
        n = frame_name(f)
        if n.startswith(prefix) and "$$Lambda" not in n:  # a lambda's hidden class says nothing: its caller does
            return n
    return "(no procpool frame)"


def duration_ms(v):
    # JFR JSON prints durations as ISO-8601 text such as "PT0.001234S"
    if isinstance(v, str) and v.startswith("PT") and v.endswith("S"):
        try:
            return float(v[2:-1]) * 1000
        except ValueError:
            return 0.0
    return 0.0


def show(title, counter, total, top, unit, per_task=None):
    print(f"\n{title}")
    for k, v in counter.most_common(top):
        extra = f"  {v / per_task:10.1f} {unit}/task" if per_task else ""
        print(f"  {100.0 * v / total:5.1f} %  {k}{extra}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--tasks", type=int, default=0, help="tasks in the recording, for bytes per task")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--own", default="io.procpool.", help="package prefix of the project's own frames")
    ap.add_argument("--last", type=float, default=0.0,
                    help="only the last SECONDS before the recording's last CPU sample (skip start-up and warm-up)")
    a = ap.parse_args()
    if a.last > 0:
        END[a.recording] = max(when(e) for e in events(a.recording, ["jdk.ExecutionSample"]))

    samples = events(a.recording, ["jdk.ExecutionSample"], a.last)
    by_thread, by_top, by_own = collections.Counter(), collections.Counter(), collections.Counter()
    for e in samples:
        v = e["values"]
        frames = (v.get("stackTrace") or {}).get("frames") or []
        th = thread_name(v.get("sampledThread"))
        by_thread[th] += 1
        if frames:
            by_top[frame_name(frames[0])] += 1
            by_own[th + " | " + first_own(frames, a.own)] += 1
    n = max(1, len(samples))
    print(f"{a.recording}: {len(samples)} CPU samples" + (f" in the last {a.last:g} s" if a.last else ""))
    show("CPU samples by thread", by_thread, n, a.top, "")
    show("CPU samples by top frame (self time)", by_top, n, a.top, "")
    show("CPU samples by thread | first procpool frame on the stack", by_own, n, a.top, "")

    natives = events(a.recording, ["jdk.NativeMethodSample"], a.last)
    n_own = collections.Counter()
    for e in natives:
        v = e["values"]
        frames = (v.get("stackTrace") or {}).get("frames") or []
        top = frame_name(frames[0]) if frames else "?"
        n_own[thread_name(v.get("sampledThread")) + " | " + top + " < " + first_own(frames, a.own)] += 1
    print(f"\n{len(natives)} samples of threads in native code (system calls, parking: wall time, not CPU)")
    show("native samples by thread | native frame < first procpool frame", n_own, max(1, len(natives)), a.top, "")

    allocs = events(a.recording, ["jdk.ObjectAllocationSample"], a.last)
    a_thread, a_class, a_own = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for e in allocs:
        v = e["values"]
        w = int(v.get("weight") or 0)
        total += w
        th = thread_name(v.get("eventThread"))
        a_thread[th] += w
        a_class[th + " | " + ((v.get("objectClass") or {}).get("name") or "?").replace("/", ".")] += w
        frames = (v.get("stackTrace") or {}).get("frames") or []
        a_own[th + " | " + first_own(frames, a.own)] += w
    per = a.tasks or None
    print(f"\nallocation samples: {len(allocs)}, {total / 2**20:.1f} MiB estimated"
          + (f", {total / a.tasks:.0f} bytes/task" if a.tasks else ""))
    t = max(1, total)
    show("allocated bytes by thread", a_thread, t, a.top, "B", per)
    show("allocated bytes by thread | class", a_class, t, a.top, "B", per)
    show("allocated bytes by thread | first procpool frame", a_own, t, a.top, "B", per)

    gcs = events(a.recording, ["jdk.GarbageCollection"], a.last)
    pause = sum(duration_ms(e["values"].get("sumOfPauses")) for e in gcs)
    print(f"\ngarbage collections: {len(gcs)}, pauses {pause:.1f} ms in total")


if __name__ == "__main__":
    main()
