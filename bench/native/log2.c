// log2 (bench/programs/log2.s): the sum of floor(log2(x)) over the input's u64 words (0 for 0),
// each by the branchy binary search over bit positions.
#include "kernels.h"

uint64_t kernel_log2(uint8_t *mem, uint64_t len) {
  uint64_t r = 0;
  for (uint8_t *p = mem, *end = mem + len; p < end; p += 8) {
    uint64_t x = ld64(p), l = 0, t;
    if ((t = x >> 32) != 0) x = t, l += 32;
    if ((t = x >> 16) != 0) x = t, l += 16;
    if ((t = x >> 8) != 0) x = t, l += 8;
    if ((t = x >> 4) != 0) x = t, l += 4;
    if ((t = x >> 2) != 0) x = t, l += 2;
    if ((x >> 1) != 0) l += 1;
    r += l;
  }
  return r;
}
