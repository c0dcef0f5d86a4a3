// The native ceiling's harness: bench-native KERNEL INPUT_FILE MAX_SECONDS runs one kernel of
// kernels.h on the bytes of INPUT_FILE (the same bytes the engines get) and prints one JSON
// line: r0 of the first run, the ns per run of each timed batch, and their median.
//
// The work cannot leave the timing loop: the kernels live in other translation units and are
// noinline, a compiler barrier after each call forces the buffer to be treated as changed, and
// every result is compared with the first (a mismatch is reported, so results are consumed).
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

typedef uint64_t (*kernel_fn)(uint8_t *mem, uint64_t len);

static const struct {
  const char *name;
  kernel_fn fn;
} KERNELS[] = {
    {"sum", kernel_sum},       {"arith", kernel_arith},     {"switch", kernel_switch},
    {"switch64", kernel_switch64}, {"calls", kernel_calls}, {"sieve", kernel_sieve},
    {"crc32", kernel_crc32},   {"memcpy", kernel_memcpy},   {"memcmp", kernel_memcmp},
    {"log2", kernel_log2},     {"hashtab", kernel_hashtab}, {"parse", kernel_parse},
};

#define MAX_SAMPLES 2000
#define MIN_SAMPLES 15
/** A batch of runs lasts at least this long, so clock_gettime's own cost stays small. */
#define MIN_BATCH_NS 50000.0

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static uint8_t *read_file(const char *path, uint64_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  // Aligned as the VM's data area is; padded so a bounds check may form a pointer past the end.
  uint8_t *buf = aligned_alloc(64, ((uint64_t)n + 64 + 63) & ~(uint64_t)63);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    return NULL;
  }
  fclose(f);
  *len = (uint64_t)n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s KERNEL INPUT_FILE MAX_SECONDS\n", argv[0]);
    return 2;
  }
  kernel_fn fn = NULL;
  for (size_t i = 0; i < sizeof KERNELS / sizeof KERNELS[0]; i++)
    if (strcmp(KERNELS[i].name, argv[1]) == 0) fn = KERNELS[i].fn;
  if (fn == NULL) {
    fprintf(stderr, "unknown kernel %s\n", argv[1]);
    return 2;
  }
  uint64_t len = 0;
  uint8_t *mem = read_file(argv[2], &len);
  if (mem == NULL) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  double max_ns = atof(argv[3]) * 1e9;

  uint64_t r0 = fn(mem, len);
  uint64_t mismatches = 0;
  // Warm up (caches, branch predictors, frequency) for a tenth of the time, at least 20 runs.
  double t0 = now_ns();
  uint64_t warm = 0;
  while (warm < 20 || now_ns() - t0 < max_ns / 10) {
    mismatches += fn(mem, len) != r0;
    __asm__ volatile("" ::: "memory");
    warm++;
  }
  double per_run = (now_ns() - t0) / (double)warm;
  uint64_t batch = per_run >= MIN_BATCH_NS ? 1 : (uint64_t)(MIN_BATCH_NS / per_run) + 1;

  static double samples[MAX_SAMPLES];
  int n = 0;
  double start = now_ns();
  while (n < MAX_SAMPLES && (n < MIN_SAMPLES || now_ns() - start < max_ns)) {
    double a = now_ns();
    for (uint64_t i = 0; i < batch; i++) {
      mismatches += fn(mem, len) != r0;
      __asm__ volatile("" ::: "memory");
    }
    samples[n++] = (now_ns() - a) / (double)batch;
  }
  // Samples in time order (the caller may pool several runs), then the median of this run.
  printf("{\"kernel\":\"%s\",\"r0\":\"0x%llx\",\"batch\":%llu,\"mismatches\":%llu,\"sampleNs\":[",
         argv[1], (unsigned long long)r0, (unsigned long long)batch,
         (unsigned long long)mismatches);
  for (int i = 0; i < n; i++) printf(i ? ",%.3f" : "%.3f", samples[i]);
  qsort(samples, (size_t)n, sizeof samples[0], cmp_double);
  double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  printf("],\"medianNs\":%.3f,\"minNs\":%.3f}\n", median, samples[0]);
  free(mem);
  return mismatches == 0 ? 0 : 1;
}
