/*
 * procpool_worker.c - a procpool worker in C99 + POSIX, no dependencies.
 *
 * It speaks procpool's wire protocol (docs/protocol.md) on the channel the manager passes in PROCPOOL_FD
 * (default 3) and runs the fixture commands procpool's tests use ("echo hi", "sleep 100", ...; see the README
 * next to this directory). The protocol part (frames in and out, the task queue, CANCEL, SHUTDOWN, heartbeats)
 * is independent of the commands: replace run_task() to make it a worker of your own.
 *
 *   cc -O2 -Wall -Wextra -o procpool_worker procpool_worker.c
 *
 * Environment: PROCPOOL_FD (channel descriptor, default 3), PROCPOOL_MAX_FRAME (largest frame length,
 * default 16 MiB), PROCPOOL_HEARTBEAT_MILLIS (send a HEARTBEAT at least this often; 0 or unset: never).
 * Options: --capacity N (tasks accepted at once; they still run one after the other), --no-hello (never gets
 * ready), --crash-at-start (exits 3 before HELLO), --die-after-hello (SIGKILLs itself right after HELLO).
 *
 * Single-threaded: a running task reads the channel only while it waits (sleep), which is where it notices a
 * CANCEL; heartbeats go out whenever the worker waits in poll(). Logs go to stderr, never to the channel.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* message types */
enum { HELLO = 0x01, TASK = 0x02, CANCEL = 0x03, SHUTDOWN = 0x04,
       RESULT = 0x10, ERROR = 0x11, EVENT = 0x12, HEARTBEAT = 0x13 };

#define HEADER 12 /* bytes after the u32 length: u8 type, u8 flags, u16 reserved, u64 task id */
#define CANCELLATION "java.util.concurrent.CancellationException"
#define STR_(x) #x
#define STR(x) STR_(x)
#define LINE STR(__LINE__) /* this line's number as a string, for the "stack trace" of an ERROR */

/* A TASK held by the worker; text is a NUL-terminated copy of the body after the u16 attempt. */
struct task {
    struct task *next;
    uint64_t id;
    unsigned attempt;
    int cancelled;
    size_t len;
    char text[];
};

/* A frame just read: body points into the read buffer, valid until the next read. */
struct frame {
    int type;
    uint64_t id;
    const unsigned char *body;
    size_t len;
};

static int chan = 3;                    /* the channel descriptor */
static uint32_t max_frame = 16u << 20;  /* largest `length` either way */
static long beat_ms;                    /* heartbeat period, 0: none */
static int64_t next_beat;               /* when the next heartbeat is due, monotonic ms */
static int gone;                        /* end of stream, or a write failed: the manager is gone */
static int stopping;                    /* SHUTDOWN came: answer what is held, then exit */
static struct task *head, *tail;        /* the queue of tasks not started */
static struct task *current;            /* the task being run */

static unsigned char *rbuf;             /* read buffer, reused; holds bytes rbuf[rpos..rend) */
static size_t rcap, rpos, rend;
static unsigned char *wbuf;             /* the frame being written, reused */
static size_t wcap, wlen;

/* ------------------------------------------------------------------------------------------ utilities */

static void vlog(const char *fmt, va_list ap)
{
    fprintf(stderr, "procpool worker %ld: ", (long)getpid());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* A broken frame from the manager, or no memory: nothing sensible can follow. */
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
    exit(1);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *grow(void *p, size_t *cap, size_t need)
{
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    if (c == *cap)
        return p;
    p = realloc(p, c);
    if (!p)
        die("out of memory for a buffer of %zu bytes", c);
    *cap = c;
    return p;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A non-negative decimal number, digits only (strtol alone would take " -5" too). */
static int parse_long(const char *s, long *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    *out = strtol(s, &end, 10);
    return !*end && !errno;
}

/* ------------------------------------------------------------------------------------------ writing */

/* Writes all of buf, across short writes and EINTR. 0, or -1 when the manager is gone. */
static int write_all(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(chan, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) { /* only if someone made the channel non-blocking */
            struct pollfd pf = { chan, POLLOUT, 0 };
            poll(&pf, 1, -1);
            continue;
        }
        if (n <= 0) {
            if (!gone)
                log_msg("the manager is gone (write: %s)", strerror(errno));
            gone = 1;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void frame_put(const void *data, size_t len)
{
    wbuf = grow(wbuf, &wcap, wlen + len);
    if (len)
        memcpy(wbuf + wlen, data, len);
    wlen += len;
}

static void frame_put32(uint32_t v)
{
    unsigned char b[4];
    put32(b, v);
    frame_put(b, 4);
}

/* Starts a frame in wbuf: the length is filled in by frame_send. */
static void frame_begin(int type, uint64_t id)
{
    unsigned char h[4 + HEADER] = { 0, 0, 0, 0, (unsigned char)type, 0, 0, 0 };
    put32(h + 8, (uint32_t)(id >> 32));
    put32(h + 12, (uint32_t)id);
    wlen = 0;
    frame_put(h, sizeof h);
}

/* Appends one ERROR string: u32 length + bytes. */
static void frame_put_string(const char *s, size_t len)
{
    frame_put32((uint32_t)len);
    frame_put(s, len);
}

static void send_error(uint64_t id, const char *cls, const char *msg, const char *trace);

/* Sends the frame in wbuf. 0, or -1 if it was not sent. */
static int frame_send(void)
{
    static int replacing; /* sending the ERROR that replaces a reply too large: send it, whatever its size */
    size_t length = wlen - 4;
    if (length > max_frame && !replacing) { /* the manager would take it for a protocol error: say why */
        int type = wbuf[4];
        uint64_t id = (uint64_t)get32(wbuf + 8) << 32 | get32(wbuf + 12);
        log_msg("a frame of %zu bytes is over the maximum frame size %lu%s", length, (unsigned long)max_frame,
                type == EVENT ? ": event dropped" : "");
        if (type == RESULT || type == ERROR) {
            replacing = 1;
            send_error(id, "io.procpool.MessageTooLargeException", "reply over the maximum frame size", "");
            replacing = 0;
        }
        return -1;
    }
    put32(wbuf, (uint32_t)length);
    return write_all(wbuf, wlen);
}

static void send_frame(int type, uint64_t id, const void *body, size_t len)
{
    frame_begin(type, id);
    frame_put(body, len);
    frame_send();
}

/* An ERROR of three strings; msg may be given as two parts (prefix, then n bytes of more). */
static void send_error2(uint64_t id, const char *cls, const char *msg, const char *more, size_t n,
                        const char *trace)
{
    size_t m = strlen(msg);
    frame_begin(ERROR, id);
    frame_put_string(cls, strlen(cls));
    frame_put32((uint32_t)(m + n));
    frame_put(msg, m);
    frame_put(more, n);
    frame_put_string(trace, strlen(trace));
    frame_send();
}

static void send_error(uint64_t id, const char *cls, const char *msg, const char *trace)
{
    send_error2(id, cls, msg, "", 0, trace);
}

static void send_text(int type, uint64_t id, const char *text)
{
    send_frame(type, id, text, strlen(text));
}

static void heartbeat_if_due(void)
{
    if (beat_ms > 0 && !gone) {
        int64_t now = now_ms();
        if (now >= next_beat) {
            send_frame(HEARTBEAT, 0, NULL, 0);
            next_beat += beat_ms; /* a fixed rate; after a long task, no burst to catch up */
            if (next_beat <= now)
                next_beat = now + beat_ms;
        }
    }
}

/* ------------------------------------------------------------------------------------------ reading */

/*
 * Waits up to `wait` ms (-1: forever) for the channel, then reads what is there into rbuf, room for at least
 * `need` bytes past rpos. 1: read something, 0: timed out, -1: end of stream.
 */
static int fill(size_t need, int wait)
{
    struct pollfd pf = { chan, POLLIN, 0 };
    if (rpos == rend)
        rpos = rend = 0;
    if (rcap - rpos < need) { /* make room: move what is left to the front, grow */
        if (rend > rpos)
            memmove(rbuf, rbuf + rpos, rend - rpos);
        rend -= rpos;
        rpos = 0;
        rbuf = grow(rbuf, &rcap, need > 65536 ? need : 65536);
    }
    if (wait >= 0) {
        int r = poll(&pf, 1, wait);
        if (r == 0 || (r < 0 && errno == EINTR))
            return 0;
    }
    for (;;) {
        ssize_t n = read(chan, rbuf + rend, rcap - rend);
        if (n > 0) {
            rend += (size_t)n;
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) { /* only if someone made the channel non-blocking */
            if (poll(&pf, 1, wait) == 0)
                return 0;
            continue;
        }
        if (n < 0 && errno != ECONNRESET)
            log_msg("read: %s", strerror(errno));
        if (rend > rpos)
            log_msg("end of stream inside a frame (%zu bytes)", rend - rpos);
        gone = 1;
        return -1;
    }
}

/*
 * Reads the next frame, waiting up to `timeout` ms (-1: forever) and sending heartbeats meanwhile.
 * 1: a frame in *f, 0: timed out, -1: end of stream.
 */
static int next_frame(int64_t timeout, struct frame *f)
{
    int64_t deadline = timeout < 0 ? -1 : now_ms() + timeout;
    for (;;) {
        size_t have = rend - rpos, need = 4;
        if (have >= 4) {
            uint32_t length = get32(rbuf + rpos);
            if (length < HEADER || length > max_frame)
                die("protocol error: a frame of length %lu, outside %d..%lu", (unsigned long)length, HEADER,
                    (unsigned long)max_frame);
            need = 4 + (size_t)length;
            if (have >= need) {
                const unsigned char *h = rbuf + rpos + 4;
                f->type = h[0];
                f->id = (uint64_t)get32(h + 4) << 32 | get32(h + 8);
                f->body = h + HEADER;
                f->len = length - HEADER;
                rpos += need;
                return 1;
            }
        }
        if (gone)
            return -1;
        heartbeat_if_due(); /* also when frames keep coming and poll never times out */
        int64_t now = now_ms();
        int64_t wait = deadline < 0 ? -1 : (deadline > now ? deadline - now : 0);
        if (beat_ms > 0 && (wait < 0 || next_beat - now < wait))
            wait = next_beat > now ? next_beat - now : 0;
        int r = fill(need, wait > 86400000 ? 86400000 : (int)wait);
        if (r < 0)
            return -1;
        if (r == 0 && deadline >= 0 && now_ms() >= deadline)
            return 0;
    }
}

/* Acts on one frame from the manager. */
static void dispatch(const struct frame *f)
{
    switch (f->type) {
    case TASK: {
        if (f->len < 2)
            die("protocol error: TASK %llu without its attempt number", (unsigned long long)f->id);
        struct task *t = malloc(sizeof *t + f->len - 2 + 1);
        if (!t)
            die("out of memory for a task of %zu bytes", f->len);
        t->next = NULL;
        t->id = f->id;
        t->attempt = (unsigned)f->body[0] << 8 | f->body[1];
        t->cancelled = 0;
        t->len = f->len - 2;
        memcpy(t->text, f->body + 2, t->len);
        t->text[t->len] = '\0';
        if (tail)
            tail->next = t;
        else
            head = t;
        tail = t;
        break;
    }
    case CANCEL:
        if (current && current->id == f->id) {
            current->cancelled = 1;
            break;
        }
        for (struct task **p = &head, *prev = NULL; *p; prev = *p, p = &(*p)->next) {
            if ((*p)->id == f->id) { /* still waiting: drop it, and answer for it */
                struct task *t = *p;
                *p = t->next;
                if (tail == t)
                    tail = prev;
                send_error(t->id, CANCELLATION, "cancelled before it started", "");
                free(t);
                break;
            }
        }
        break; /* not held (its reply crossed the CANCEL): nothing to do */
    case SHUTDOWN:
        stopping = 1;
        break;
    default:
        die("protocol error: unexpected message type 0x%02x", f->type);
    }
}

/* Sleeps `ms` while reading the channel: 1 if the task was cancelled meanwhile, else 0. */
static int task_sleep(struct task *t, long ms)
{
    int64_t deadline = now_ms() + ms;
    struct frame f;
    while (!t->cancelled) {
        int64_t left = deadline - now_ms();
        int r = next_frame(left > 0 ? left : 0, &f);
        if (r > 0) {
            dispatch(&f);
            continue;
        }
        if (r < 0) { /* the manager is gone: no CANCEL can come, sleep out the rest */
            while ((left = deadline - now_ms()) > 0) {
                struct timespec ts = { (time_t)(left / 1000), (long)(left % 1000) * 1000000 };
                nanosleep(&ts, NULL);
            }
        }
        break;
    }
    return t->cancelled;
}

/* Stays alive without answering until the manager closes the channel (or kills us), then exits 0. */
static void wait_for_end(void)
{
    char sink[4096];
    ssize_t n;
    while ((n = read(chan, sink, sizeof sink)) > 0 || (n < 0 && errno == EINTR))
        ;
    exit(0);
}

/* ------------------------------------------------------------------------------------------ the fixtures */

static void run_task(struct task *t)
{
    char num[64];
    const char *word = t->text;
    char *sp = memchr(t->text, ' ', t->len);
    size_t wordlen = sp ? (size_t)(sp - t->text) : t->len;
    char *arg = sp ? sp + 1 : t->text + t->len;         /* NUL-terminated; may hold NULs itself */
    size_t alen = t->len - (size_t)(arg - t->text);
    long n;

#define IS(w) (wordlen == sizeof(w) - 1 && memcmp(word, w, wordlen) == 0)
    if (IS("echo")) {
        send_frame(RESULT, t->id, arg, alen);
    } else if (IS("upper")) {
        for (size_t i = 0; i < alen; i++)
            if (arg[i] >= 'a' && arg[i] <= 'z')
                arg[i] = (char)(arg[i] - 'a' + 'A');
        send_frame(RESULT, t->id, arg, alen);
    } else if (IS("fail")) {
        send_error2(t->id, "error", "", arg, alen, "    at run_task (procpool_worker.c:" LINE ")\n");
    } else if (IS("exit") && parse_long(arg, &n)) {
        _exit((int)n);
    } else if (IS("kill")) {
        kill(getpid(), SIGKILL);
    } else if (IS("sleep") && parse_long(arg, &n)) {
        if (task_sleep(t, n)) {
            send_error(t->id, CANCELLATION, "cancelled", "");
        } else {
            snprintf(num, sizeof num, "slept %ld", n);
            send_text(RESULT, t->id, num);
        }
    } else if (IS("spin") && sp && (sp = memchr(arg, ' ', alen)) != NULL) {
        /* spin <us> <text>: burns <us> microseconds of CPU, then answers <text> */
        *sp = '\0';
        if (!parse_long(arg, &n)) {
            *sp = ' ';
            send_error2(t->id, "error", "bad number: ", arg, alen, "");
        } else {
            struct timespec t0, now;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            do {
                clock_gettime(CLOCK_MONOTONIC, &now);
            } while ((now.tv_sec - t0.tv_sec) * 1000000L + (now.tv_nsec - t0.tv_nsec) / 1000 < n);
            send_frame(RESULT, t->id, sp + 1, alen - (size_t)(sp + 1 - arg));
        }
    } else if (IS("event")) {
        send_frame(EVENT, t->id, arg, alen);
        send_frame(RESULT, t->id, arg, alen);
    } else if (IS("attempt")) {
        snprintf(num, sizeof num, "%u", t->attempt);
        send_text(RESULT, t->id, num);
    } else if (IS("env")) {
        const char *v = getenv(arg);
        send_text(RESULT, t->id, v ? v : "");
    } else if (IS("pid")) {
        snprintf(num, sizeof num, "%ld", (long)getpid());
        send_text(RESULT, t->id, num);
    /* ---- bad behaviour, for the manager's protocol-error tests */
    } else if (IS("garbage")) { /* 16 bytes that frame correctly but carry the unknown type 0x7f */
        frame_begin(0x7f, t->id);
        put32(wbuf, HEADER);
        write_all(wbuf, wlen);
        wait_for_end();
    } else if (IS("oversize")) { /* a RESULT header that claims 2 GiB - 1 of body, and no body */
        frame_begin(RESULT, t->id);
        put32(wbuf, 0x7fffffffu);
        write_all(wbuf, wlen);
        wait_for_end();
    } else if (IS("stray")) {
        send_text(RESULT, t->id + 1000000, "stray");
        send_text(RESULT, t->id, "stray");
    } else if (IS("badmessage")) { /* an ERROR whose body is not three length-prefixed strings */
        send_frame(ERROR, t->id, "xyz", 3);
    } else if (IS("twice")) {
        send_text(RESULT, t->id, "first");
        send_text(RESULT, t->id, "second");
    } else if (IS("hang")) { /* no reading, no answer, no heartbeat */
        for (;;)
            sleep(3600);
    } else if (IS("exit") || IS("sleep")) {
        send_error2(t->id, "error", "bad number: ", arg, alen, "");
    } else {
        send_error2(t->id, "error", "unknown command: ", word, wordlen, "");
    }
#undef IS
}

/* ------------------------------------------------------------------------------------------ main */

static long env_long(const char *name, long dflt)
{
    const char *s = getenv(name);
    long v;
    if (!s || !*s)
        return dflt;
    if (!parse_long(s, &v)) {
        log_msg("%s=%s is not a number", name, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long capacity = 1;
    int die_after_hello = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-hello") == 0) {
            for (;;) /* never ready: the manager's startup timeout must catch it */
                sleep(3600);
        } else if (strcmp(argv[i], "--crash-at-start") == 0) {
            fputs("crashing at start\n", stderr);
            return 3;
        } else if (strcmp(argv[i], "--die-after-hello") == 0) {
            die_after_hello = 1;
        } else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc && parse_long(argv[i + 1], &capacity)
                   && capacity >= 1 && capacity <= 0x7fffffff) {
            i++;
        } else {
            fputs("usage: procpool_worker [--capacity N] [--no-hello] [--crash-at-start] [--die-after-hello]\n", stderr);
            return 2;
        }
    }
    chan = (int)env_long("PROCPOOL_FD", 3);
    long mf = env_long("PROCPOOL_MAX_FRAME", 16L << 20);
    max_frame = mf > 0x7fffffffL ? 0x7fffffffu : (uint32_t)mf;
    beat_ms = env_long("PROCPOOL_HEARTBEAT_MILLIS", 0);
    signal(SIGPIPE, SIG_IGN); /* a closed channel is a write error to handle, not a death */

    unsigned char hello[13] = { 0, 1 };      /* u16 version 1 */
    put32(hello + 2, (uint32_t)getpid());    /* u32 pid */
    put32(hello + 6, (uint32_t)capacity);    /* u32 capacity */
    memcpy(hello + 10, "\0\1c", 3);          /* u16 n = 1, n bytes of capabilities: "c" */
    send_frame(HELLO, 0, hello, sizeof hello);
    if (die_after_hello)
        raise(SIGKILL); /* ready, then gone before any task: a test fixture */
    next_beat = now_ms() + beat_ms;

    for (;;) {
        if (gone && head) { /* nobody can take their answers any more */
            log_msg("the manager is gone: dropping the queued tasks");
            while (head) {
                struct task *t = head;
                head = t->next;
                free(t);
            }
            tail = NULL;
        }
        if (head) {
            current = head;
            head = head->next;
            if (!head)
                tail = NULL;
            run_task(current);
            free(current);
            current = NULL;
        } else if (gone || stopping) {
            return 0;
        } else {
            struct frame f;
            if (next_frame(-1, &f) > 0)
                dispatch(&f);
        }
    }
}
