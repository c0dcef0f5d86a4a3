// memcpy (bench/programs/memcpy.s): copy the source half over the destination half, 8 bytes at
// a time, then a checksum of the destination's first, middle and last words.
#include "kernels.h"

uint64_t kernel_memcpy(uint8_t *mem, uint64_t len) {
  uint64_t half = len >> 1;
  if (half == 0) return 0;
  uint8_t *dst = mem + half;
  for (uint8_t *s = mem, *d = dst; s < dst; s += 8, d += 8) st64(d, ld64(s));
  uint64_t r = ld64(dst) * 31 + ld64(dst + ((half >> 1) & ~(uint64_t)7));
  return r * 31 + ld64(dst + half - 8);
}
