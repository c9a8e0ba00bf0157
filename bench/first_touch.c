/*
 * What a first touch of fresh memory costs on this machine: writes one byte per 4 KiB page of a fresh anonymous
 * mapping (each write a page fault), then again (no faults); with "1" as the second argument the mapping asks for
 * transparent huge pages first (MADV_HUGEPAGE: one fault per 2 MiB where the kernel's mode is madvise).
 * A JVM's heap pays this the first time its eden, or G1's regions, are used (docs/deployment.md).
 *
 *   gcc -O2 -o /tmp/first_touch bench/first_touch.c && /tmp/first_touch 256 0 && /tmp/first_touch 256 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double since(struct timespec a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    int huge = argc > 2 && atoi(argv[2]) != 0;
    size_t n = mib << 20, align = 2UL << 20;
    char *raw = mmap(NULL, n + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    char *p = (char *) (((unsigned long) raw + align - 1) & ~(align - 1));
    if (huge && madvise(p, n, MADV_HUGEPAGE) != 0) {
        perror("madvise(MADV_HUGEPAGE)");
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (size_t i = 0; i < n; i += 4096) {
        p[i] = 1;
    }
    double first = since(t);
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (size_t i = 0; i < n; i += 4096) {
        p[i] = 2;
    }
    double again = since(t);
    printf("%zu MiB, %s: first touch %.3f s (%.2f us per 4 KiB, %.0f MB/s); again %.3f s\n", mib,
           huge ? "MADV_HUGEPAGE" : "4 KiB pages", first, first * 1e6 / (n / 4096), n / first / 1e6, again);
    return 0;
}
