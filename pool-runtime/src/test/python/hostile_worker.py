#!/usr/bin/env python3
"""A worker that misbehaves on cue, for the manager's fault tests. Speaks procpool protocol version 1 on the
channel in PROCPOOL_FD (0 for a TaskPool, whose java command this script stands in for: it ignores its arguments).

HOSTILE_CAPS      capabilities in its HELLO (default: none)
HOSTILE_SCRIPT    a file of steps, one line per TASK received, consumed in order across every worker of the pool
                  (a step taken is removed, so a replacement worker goes on with the next one):
                    reply HEX        RESULT with this body (hex)
                    error HEX        ERROR with this raw body (hex)
                    raw HEX          these bytes as they are; the text {id} in HEX becomes the task id (16 hex digits)
                    close            close the channel and live on (sleep)
                    exit N           exit with status N
                  with a shared ring only:
                    tail N           move the published write position by N bytes (negative: backwards), and ring
                    head N           overwrite the manager's read position with N
                    asleep N         overwrite the manager's "may block" word with N
                    bells N          write N doorbell bytes on the socket
                    fulldie HEX      RESULT with this body, then fill the rest of the ring with the start of a frame,
                                     publish it (the ring full) and exit 3 without ringing
                  several steps may share a line, separated by ';'.
HOSTILE_DEFAULT   the step when the script is used up (default: "reply " + HOSTILE_OK)
HOSTILE_FUZZ      a seed: ignore the script and answer each TASK with random or mutated frames, then its reply
HOSTILE_OK        hex of a valid RESULT body (the fuzzer mutates it)

When the manager gives it a shared ring (PROCPOOL_RING_FD, as it does a JVM worker), what it sends goes there, and it
rings after every send; else on the channel.
"""
import fcntl, os, random, struct, sys, time

FD = int(os.environ.get("PROCPOOL_FD", "3"))
HEADER = struct.Struct(">IBBHQ")
OK = bytes.fromhex(os.environ.get("HOSTILE_OK", ""))


RING = None
if os.environ.get("PROCPOOL_RING_FD"):
    import mmap
    _ring_fd = int(os.environ["PROCPOOL_RING_FD"])
    RING = mmap.mmap(_ring_fd, os.fstat(_ring_fd).st_size)
    CAPACITY = len(RING) - 4096  # tail (u64) at 0, head (u64) at 64, data at 4096: process.SharedRing's layout


def send(data):
    view = memoryview(data)
    if RING is None:
        while view:
            view = view[os.write(FD, view):]
        return
    while view:
        tail, = struct.unpack_from("Q", RING, 0)  # native and aligned: one 8-byte store or load
        head, = struct.unpack_from("Q", RING, 64)
        free = CAPACITY - (tail - head)
        if free == 0:
            os.write(FD, b"\1")
            time.sleep(0.001)
            continue
        at = tail % CAPACITY
        n = min(len(view), free, CAPACITY - at)
        RING[4096 + at:4096 + at + n] = view[:n]
        struct.pack_into("Q", RING, 0, tail + n)
        view = view[n:]
    os.write(FD, b"\1")


def frame(type_, task, body=b"", length=None):
    return HEADER.pack(12 + len(body) if length is None else length, type_, 0, 0, task) + body


def read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(FD, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def next_step():
    path = os.environ.get("HOSTILE_SCRIPT")
    if path:
        with open(path, "r+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            lines = f.read().splitlines()
            if lines:
                f.seek(0)
                f.truncate()
                f.write("".join(l + "\n" for l in lines[1:]))
                return lines[0]
    return os.environ.get("HOSTILE_DEFAULT", "reply " + OK.hex())


def run_step(step, task):
    for part in step.split(";"):
        words = part.split()
        if not words:
            continue
        what, arg = words[0], (words[1] if len(words) > 1 else "")
        if what == "reply":
            send(frame(0x10, task, bytes.fromhex(arg)))
        elif what == "error":
            send(frame(0x11, task, bytes.fromhex(arg)))
        elif what == "raw":
            send(bytes.fromhex(arg.replace("{id}", "%016x" % task)))
        elif what == "close":
            os.close(FD)
            while True:
                time.sleep(60)
        elif what == "exit":
            os._exit(int(arg))
        elif what == "tail":
            tail, = struct.unpack_from("Q", RING, 0)
            struct.pack_into("Q", RING, 0, (tail + int(arg)) % 2**64)
            os.write(FD, b"\1")
        elif what == "head":
            struct.pack_into("Q", RING, 64, int(arg))
        elif what == "asleep":
            struct.pack_into("I", RING, 128, int(arg))
        elif what == "bells":
            view = memoryview(b"\1" * int(arg))
            while view:
                view = view[os.write(FD, view):]
        elif what == "fulldie":
            tail, = struct.unpack_from("Q", RING, 0)
            head, = struct.unpack_from("Q", RING, 64)
            data = frame(0x10, task, bytes.fromhex(arg))
            free = CAPACITY - (tail - head)
            data += frame(0x10, task + 1, length=free)  # a frame claiming more than the ring can hold
            data = (data + bytes(free))[:free]
            at = tail % CAPACITY
            first = min(free, CAPACITY - at)
            RING[4096 + at:4096 + at + first] = data[:first]
            RING[4096:4096 + free - first] = data[first:]
            struct.pack_into("Q", RING, 0, tail + free)
            os._exit(3)


def fuzz(rng, task):
    """A random misdeed, or none: every TASK still ends (answered, or its worker killed or dead)."""
    choice = rng.randrange(12)
    if choice == 0:  # random bytes
        send(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
    elif choice == 1:  # a header whose length lies
        send(frame(0x10, task, OK, length=rng.choice([0, 5, 11, 2**31 - 1, 2**32 - 1, 12 + len(OK) + 7])))
    elif choice == 2:  # the valid result with bytes flipped
        body = bytearray(OK)
        for _ in range(rng.randrange(1, 4)):
            if body:
                body[rng.randrange(len(body))] = rng.randrange(256)
        send(frame(0x10, task, bytes(body)))
    elif choice == 3:  # the valid result cut short, or with a count forged to the maximum
        send(frame(0x10, task, OK[:rng.randrange(len(OK) + 1)] + b"\xff\xff\xff\xff\x07" * rng.randrange(2)))
    elif choice == 4:  # an ERROR whose lengths lie
        send(frame(0x11, task, struct.pack(">I", rng.choice([2**31 - 1, 2**32 - 1, 3, 1000])) + b"abc"))
    elif choice == 5:  # a type no one knows, or one of the manager's
        send(frame(rng.choice([0x00, 0x02, 0x03, 0x04, 0x7f, 0xff]), task, b"x"))
    elif choice == 6:  # an answer for a task it does not hold
        send(frame(0x10, task + rng.randrange(1, 1000), OK))
    elif choice == 7:  # STARTED twice
        send(frame(0x14, task) + frame(0x14, task) + frame(0x10, task, OK))
    elif choice == 8:  # a second HELLO
        send(frame(0x01, 0, struct.pack(">HIIH", 1, os.getpid(), 1, 0)))
    elif choice == 9:  # an EVENT of random bytes, then the result
        send(frame(0x12, task, bytes(rng.randrange(256) for _ in range(8))) + frame(0x10, task, OK))
    elif choice == 10:  # close the channel and live on
        run_step("close", task)
    else:  # behave
        send(frame(0x14, task) + frame(0x10, task, OK))


def main():
    caps = os.environ.get("HOSTILE_CAPS", "").encode()
    send(frame(0x01, 0, struct.pack(">HIIH", 1, os.getpid(), 1, len(caps)) + caps))
    seed = os.environ.get("HOSTILE_FUZZ")
    rng = random.Random(int(seed) * 100003 + os.getpid()) if seed else None
    while True:
        head = read_exact(4)
        if head is None:
            return 0
        rest = read_exact(int.from_bytes(head, "big"))
        if rest is None:
            return 0
        type_, _, _, task = struct.unpack_from(">BBHQ", rest)
        if type_ != 0x02:
            continue  # CANCEL, SHUTDOWN: this worker answers only tasks
        if rng is not None:
            fuzz(rng, task)
        else:
            run_step(next_step(), task)


if __name__ == "__main__":
    sys.exit(main())
