#!/usr/bin/env python3
"""A procpool worker in plain Python (3.9+, standard library only).

The first half is a small library: ``serve(handler)`` speaks procpool's wire protocol (docs/protocol.md) on
the channel the manager passes in ``PROCPOOL_FD`` and calls ``handler(payload, task)`` for each TASK. Copy it,
or import it, to write your own worker::

    from procpool_worker import serve

    def handler(payload, task):          # payload: the TASK body after its u16 attempt, as bytes
        return payload.upper()           # -> the RESULT body; an exception -> an ERROR

    serve(handler)

The second half (``__main__``) is the fixture worker procpool's tests use: each TASK is a UTF-8 command such
as ``echo hi`` or ``sleep 100`` (see the README next to this directory).

Environment: ``PROCPOOL_FD`` (channel descriptor, default 3), ``PROCPOOL_MAX_FRAME`` (largest frame length,
default 16 MiB), ``PROCPOOL_HEARTBEAT_MILLIS`` (send a HEARTBEAT at least this often; 0 or unset: never).
Logs go to stderr: the channel carries frames only.
"""

import os
import select
import struct
import sys
import time

__all__ = ["serve", "Worker", "Task", "Cancelled", "error_body",
           "HELLO", "TASK", "CANCEL", "SHUTDOWN", "RESULT", "ERROR", "EVENT", "HEARTBEAT"]

# Message types.
HELLO, TASK, CANCEL, SHUTDOWN = 0x01, 0x02, 0x03, 0x04
RESULT, ERROR, EVENT, HEARTBEAT = 0x10, 0x11, 0x12, 0x13

# u32 length, u8 type, u8 flags, u16 reserved, u64 task id; `length` counts the 12 bytes after itself + body.
_HEADER = struct.Struct(">IBBHQ")
_HEADER_REST = 12
_CANCELLATION = "java.util.concurrent.CancellationException"


class Cancelled(Exception):
    """Raised by ``Task.sleep``/``Task.check`` when the manager cancelled the running task."""


class Task:
    """What a handler gets besides its payload: the task id, the attempt, events, cancellation."""

    def __init__(self, worker, task_id, attempt, payload):
        self.worker = worker
        self.id = task_id
        self.attempt = attempt
        self.payload = payload
        self.cancelled = False

    def emit(self, body):
        """Sends an EVENT (bytes) for this task; events always arrive before its RESULT or ERROR."""
        if _HEADER_REST + len(body) > self.worker.max_frame:
            log("dropped an event of %d bytes: over the maximum frame size" % len(body))
            return
        self.worker.send(EVENT, self.id, body)

    def check(self):
        """Reads what the manager sent so far without waiting; raises Cancelled if this task was cancelled."""
        self.sleep(0)

    def sleep(self, seconds):
        """Sleeps while still reading the channel, so that a CANCEL ends the sleep with Cancelled.

        New TASKs are queued meanwhile. If the manager goes away (end of stream) the sleep goes on to its end:
        the task in hand is finished, then the worker exits.
        """
        w = self.worker
        deadline = time.monotonic() + seconds
        while not self.cancelled:
            frame = w.read_frame(max(deadline - time.monotonic(), 0.0))
            if frame is not None:
                w.dispatch(*frame)
                continue
            if w.closed:  # no more frames will come: sleep out the rest
                time.sleep(max(deadline - time.monotonic(), 0.0))
            break
        if self.cancelled:
            raise Cancelled("cancelled")


class Worker:
    """One end of the protocol: frames in and out on one descriptor, a queue of held tasks."""

    def __init__(self, fd, capacity=1, max_frame=16 << 20):
        self.fd = fd
        self.capacity = capacity
        self.max_frame = max_frame
        self.closed = False      # end of stream: the manager is gone or done
        self.stopping = False    # SHUTDOWN: finish what is held, then exit
        self.queue = []          # TASKs received and not started, oldest first
        self.current = None      # the Task being run
        self._inbuf = bytearray()
        self._lock = None        # a threading.Lock once a heartbeat thread shares the writes
        self._stop_beats = None  # a threading.Event that ends the heartbeat thread

    # ---- frames out

    def send(self, type_, task_id, body=b""):
        """Writes one whole frame."""
        self.write_raw(_HEADER.pack(_HEADER_REST + len(body), type_, 0, 0, task_id) + body)

    def write_raw(self, data):
        """Writes all of ``data`` at once with respect to the heartbeat thread, if there is one."""
        if self._lock is None:
            self._write_all(data)
        else:
            with self._lock:
                self._write_all(data)

    def _write_all(self, data):
        # os.write may take less than asked; it retries EINTR itself (PEP 475)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def reply(self, type_, task_id, body):
        """Sends a RESULT or ERROR; if the manager is gone there is nobody to tell, so failures are ignored."""
        if _HEADER_REST + len(body) > self.max_frame:
            type_ = ERROR
            body = error_body("io.procpool.MessageTooLargeException",
                              "a reply of %d bytes is over the maximum frame size %d" % (len(body), self.max_frame))
        try:
            self.send(type_, task_id, body)
        except OSError as e:
            self.closed = True
            log("cannot send the reply of task %d: %s" % (task_id, e))

    # ---- frames in

    def read_frame(self, timeout=None):
        """Returns the next (type, task id, body), or None at end of stream or after ``timeout`` seconds."""
        buf = self._inbuf
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(buf) >= 4:
                length = int.from_bytes(buf[:4], "big")
                if length < _HEADER_REST or length > self.max_frame:
                    protocol_error("frame length %d outside %d..%d" % (length, _HEADER_REST, self.max_frame))
                if len(buf) >= 4 + length:
                    _, type_, _flags, _, task_id = _HEADER.unpack_from(buf)
                    body = bytes(buf[16:4 + length])
                    del buf[:4 + length]
                    return type_, task_id, body
                want = 4 + length - len(buf)
            else:
                want = 4 - len(buf)
            if self.closed:
                return None
            if deadline is not None:
                left = max(deadline - time.monotonic(), 0.0)
                if not select.select([self.fd], [], [], left)[0]:
                    return None
            try:
                data = os.read(self.fd, max(want, 1 << 16))
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                if buf:
                    log("end of stream inside a frame (%d bytes)" % len(buf))
                return None
            buf += data

    def dispatch(self, type_, task_id, body):
        """Acts on one frame from the manager."""
        if type_ == TASK:
            if len(body) < 2:
                protocol_error("TASK %d without an attempt number" % task_id)
            self.queue.append(Task(self, task_id, int.from_bytes(body[:2], "big"), body[2:]))
        elif type_ == CANCEL:
            if self.current is not None and self.current.id == task_id:
                self.current.cancelled = True
            else:
                for t in self.queue:
                    if t.id == task_id:
                        self.queue.remove(t)
                        self.reply(ERROR, task_id, error_body(_CANCELLATION, "cancelled before it started"))
                        break
                # else: it is done already (its reply crossed the CANCEL): nothing to do
        elif type_ == SHUTDOWN:
            self.stopping = True
        else:
            protocol_error("unexpected message type 0x%02x" % type_)

    # ---- heartbeat

    def start_heartbeat(self, millis):
        """Sends a HEARTBEAT every ``millis`` ms from a thread, whether a task runs or not."""
        import threading  # only workers that beat pay for it at start-up
        self._lock = threading.Lock()
        self._stop_beats = stop = threading.Event()
        frame = _HEADER.pack(_HEADER_REST, HEARTBEAT, 0, 0, 0)

        def beat():
            period = millis / 1000.0
            due = time.monotonic() + period
            while not stop.wait(max(due - time.monotonic(), 0.0)):
                with self._lock:
                    if stop.is_set():
                        return
                    try:
                        self._write_all(frame)
                    except OSError:
                        return  # the manager is gone
                due = max(due + period, time.monotonic())  # a fixed rate, without bursts to catch up

        threading.Thread(target=beat, name="procpool-heartbeat", daemon=True).start()

    def stop_heartbeat(self):
        """Ends the heartbeat: once this returns, no HEARTBEAT is being written and none will be."""
        if self._stop_beats is not None:
            with self._lock:  # the thread checks the flag under the same lock
                self._stop_beats.set()

    # ---- the loop

    def run(self, handler, capabilities="py"):
        caps = capabilities.encode("utf-8")
        try:
            self.send(HELLO, 0, struct.pack(">HIIH", 1, os.getpid(), self.capacity, len(caps)) + caps)
        except OSError as e:
            self.closed = True
            log("cannot say HELLO: %s" % e)
        while True:
            if self.closed and self.queue:
                log("the manager is gone: dropping %d queued task(s)" % len(self.queue))
                self.queue.clear()
            if self.queue:
                self.run_one(handler, self.queue.pop(0))
            elif self.closed or self.stopping:
                return 0
            else:
                frame = self.read_frame()
                if frame is not None:
                    self.dispatch(*frame)

    def run_one(self, handler, task):
        self.current = task
        try:
            result = handler(task.payload, task)
            if task.cancelled:
                raise Cancelled("cancelled")
            if isinstance(result, str):
                result = result.encode("utf-8")
            elif not isinstance(result, (bytes, bytearray, memoryview)):
                raise TypeError("a handler returns bytes or str, not " + type(result).__name__)
            self.reply(RESULT, task.id, result)
        except Cancelled as e:
            self.reply(ERROR, task.id, error_body(_CANCELLATION, str(e) or "cancelled"))
        except Exception as e:
            import traceback  # loaded on the first failure, not at start-up
            self.reply(ERROR, task.id, error_body(type(e).__name__, str(e), traceback.format_exc()))
        finally:
            self.current = None


def error_body(cls, message, trace=""):
    """An ERROR body: three strings, each a u32 length and UTF-8 bytes."""
    parts = [s.encode("utf-8", "replace") for s in (cls, message, trace)]
    return b"".join(struct.pack(">I", len(b)) + b for b in parts)


def log(message):
    print("procpool worker %d: %s" % (os.getpid(), message), file=sys.stderr, flush=True)


def protocol_error(message):
    """A broken frame from the manager: nothing sensible can follow, so leave."""
    log("protocol error: " + message)
    sys.stderr.flush()
    os._exit(1)


def serve(handler, capacity=1, capabilities="py"):
    """Says HELLO on the channel and runs ``handler(payload, task)`` for each TASK, one at a time, in order.

    The handler returns the RESULT body (bytes, or str sent as UTF-8); an exception becomes an ERROR with its
    class name, message and traceback; ``Cancelled`` becomes a java.util.concurrent.CancellationException.
    Returns 0 after SHUTDOWN (every held task answered) or end of stream (the task in hand finished).
    With capacity > 1 the worker accepts that many TASKs at once but still runs them one after the other.
    """
    worker = Worker(int(os.environ.get("PROCPOOL_FD", "3")), capacity,
                    int(os.environ.get("PROCPOOL_MAX_FRAME", str(16 << 20))))
    beat = int(os.environ.get("PROCPOOL_HEARTBEAT_MILLIS", "0") or 0)
    if beat > 0:
        worker.start_heartbeat(beat)
    return worker.run(handler, capabilities)


# ============================================================================ the fixture worker


def fixture(payload, task):
    """Runs one fixture command: ``<word>`` or ``<word> <argument>`` (everything after the first space)."""
    word, _, arg = payload.partition(b" ")
    word = word.decode("utf-8", "replace")
    w = task.worker
    if word == "echo":
        return arg
    if word == "upper":
        return arg.decode("utf-8", "surrogateescape").upper().encode("utf-8", "surrogateescape")
    if word == "fail":
        raise ValueError(arg.decode("utf-8", "replace"))
    if word == "exit":
        os._exit(_number(arg))
    if word == "kill":
        import signal
        os.kill(os.getpid(), signal.SIGKILL)
    if word == "sleep":
        ms = _number(arg)
        task.sleep(ms / 1000.0)
        return "slept %d" % ms
    if word == "spin":
        us, _, text = arg.partition(b" ")
        end = time.monotonic() + _number(us) / 1e6
        while time.monotonic() < end:
            pass
        return text
    if word == "event":
        task.emit(arg)
        return arg
    if word == "attempt":
        return str(task.attempt)
    if word == "env":
        return os.environb.get(arg, b"")
    if word == "pid":
        return str(os.getpid())
    # ---- bad behaviour, for the manager's protocol-error tests
    if word == "garbage":
        # 16 bytes that frame correctly but carry the unknown type 0x7f
        w.stop_heartbeat()
        w.write_raw(_HEADER.pack(_HEADER_REST, 0x7F, 0, 0, task.id))
        _wait_for_end(w)
    if word == "oversize":
        # a RESULT header that claims 2 GiB - 1 of body, and no body
        w.stop_heartbeat()
        w.write_raw(_HEADER.pack(0x7FFFFFFF, RESULT, 0, 0, task.id))
        _wait_for_end(w)
    if word == "stray":
        w.send(RESULT, task.id + 1000000, b"stray")
        return "stray"
    if word == "twice":
        w.send(RESULT, task.id, b"first")
        return "second"
    if word == "hang":
        w.stop_heartbeat()
        while True:
            time.sleep(3600)
    raise ValueError("unknown command: " + word)


def _number(arg):
    """A non-negative decimal number, or ValueError("bad number: ...") as the C worker says it."""
    if not arg.isdigit():
        raise ValueError("bad number: " + arg.decode("utf-8", "replace"))
    return int(arg)


def _wait_for_end(worker):
    """Stays alive without answering until the manager closes the channel (or kills us), then exits 0."""
    while os.read(worker.fd, 1 << 16):
        pass
    os._exit(0)


def main(argv):
    capacity = 1
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--no-hello":
            while True:  # a worker that never gets ready: the manager's startup timeout must catch it
                time.sleep(3600)
        elif a == "--crash-at-start":
            print("crashing at start", file=sys.stderr, flush=True)
            return 3
        elif a == "--capacity" and args:
            capacity = int(args.pop(0))
        else:
            print("usage: procpool_worker.py [--capacity N] [--no-hello] [--crash-at-start]", file=sys.stderr)
            return 2
    return serve(fixture, capacity)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
