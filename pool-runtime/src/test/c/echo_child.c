/* A small C child for the process-layer tests: speaks length-prefixed messages on the fd named by PROCPOOL_FD.
 * "exit:N" exits with N; "big:N" replies with N bytes of 'x'; "fds" replies with its open descriptors;
 * "burst:N" replies N numbered messages; anything else is echoed back. Exits 0 at end of stream. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd = 3;

static int read_full(void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r == 0) return 0;
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        got += (size_t)r;
    }
    return 1;
}

static void write_full(const void *buf, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, (const char *)buf + put, n - put);
        if (w < 0) { if (errno == EINTR) continue; exit(97); }
        put += (size_t)w;
    }
}

static void send_msg(const char *data, uint32_t len) {
    unsigned char h[4] = {len >> 24, len >> 16, len >> 8, len};
    write_full(h, 4);
    write_full(data, len);
}

int main(void) {
    const char *env = getenv("PROCPOOL_FD");
    if (env) fd = atoi(env);
    char *buf = NULL;
    for (;;) {
        unsigned char h[4];
        int r = read_full(h, 4);
        if (r <= 0) return r == 0 ? 0 : 98;
        uint32_t len = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
        buf = realloc(buf, len + 1);
        if (read_full(buf, len) <= 0) return 99;
        buf[len] = 0;
        if (strncmp(buf, "exit:", 5) == 0) return atoi(buf + 5);
        if (strncmp(buf, "big:", 4) == 0) {
            uint32_t n = (uint32_t)strtoul(buf + 4, NULL, 10);
            char *big = malloc(n ? n : 1);
            memset(big, 'x', n);
            send_msg(big, n);
            free(big);
        } else if (strcmp(buf, "fds") == 0) {
            char out[4096] = "";
            DIR *d = opendir("/proc/self/fd");
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
                strcat(out, e->d_name);
                strcat(out, " ");
            }
            closedir(d);
            send_msg(out, (uint32_t)strlen(out));
        } else if (strncmp(buf, "burst:", 6) == 0) {
            int n = atoi(buf + 6);
            char m[32];
            for (int i = 0; i < n; i++) {
                int l = snprintf(m, sizeof m, "%d", i);
                send_msg(m, (uint32_t)l);
            }
        } else {
            send_msg(buf, len);
        }
    }
}
