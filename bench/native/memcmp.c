// memcmp (bench/programs/memcmp.s): index of the first byte where the two halves differ (or the
// half length), comparing 8 bytes at a time, then byte by byte within the differing word.
#include "kernels.h"

uint64_t kernel_memcmp(uint8_t *mem, uint64_t len) {
  uint64_t half = len >> 1;
  uint8_t *b = mem + half;
  for (uint8_t *a = mem; a < mem + half; a += 8, b += 8) {
    uint64_t x = ld64(a), y = ld64(b);
    if (x == y) continue;
    uint64_t i = (uint64_t)(a - mem);
    for (uint64_t z = x ^ y; (z & 0xff) == 0; z >>= 8) i++;
    return i;
  }
  return half;
}
