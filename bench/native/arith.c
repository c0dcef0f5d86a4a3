// arith (bench/programs/arith.s): rounds of xorshift64, multiply, unsigned and signed 64-bit
// division, 32-bit modulo and arithmetic shift; the round count is the input's first u32.
#include "kernels.h"

uint64_t kernel_arith(uint8_t *mem, uint64_t len) {
  (void)len;
  uint64_t n = ld32(mem);
  uint64_t x = 0x9e3779b97f4a7c15ull, y = 12345, acc = 0;
  for (; n != 0; n--) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    y = y * 0x5bd1e995ull + x;
    acc += x / (y | 1);
    // mov32 / mod32 / add32: 32-bit, zero-extended.
    acc = (uint32_t)((uint32_t)acc + (uint32_t)x % 1000003u);
    acc ^= (uint64_t)(((int64_t)y >> 3) / 7);
  }
  return x ^ y ^ acc;
}
