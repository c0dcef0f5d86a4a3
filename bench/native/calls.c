// calls (bench/programs/calls.s): a chain of four functions called once per round (the input's
// first u32). Kept out of line, as the eBPF program's local calls are real calls.
#include "kernels.h"

static __attribute__((noinline)) uint64_t f4(uint64_t a, uint64_t b) { return a * 31 + b; }

static __attribute__((noinline)) uint64_t f3(uint64_t a, uint64_t b) {
  return (f4(a, b + 3) + (uint32_t)a) * a;
}

static __attribute__((noinline)) uint64_t f2(uint64_t a, uint64_t b) {
  return (f3(a << 1, b) - b) ^ a;
}

static __attribute__((noinline)) uint64_t f1(uint64_t a, uint64_t b) {
  return (f2(a + b, b) ^ a) + b;
}

uint64_t kernel_calls(uint8_t *mem, uint64_t len) {
  (void)len;
  uint64_t acc = 0;
  for (uint64_t n = ld32(mem); n != 0; n--) acc += f1(acc, n);
  return acc;
}
