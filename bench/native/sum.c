// sum (bench/programs/sum.s): the input's 64-bit little-endian words, summed with wrap-around.
#include "kernels.h"

uint64_t kernel_sum(uint8_t *mem, uint64_t len) {
  uint64_t r = 0;
  for (uint8_t *p = mem, *end = mem + len; p < end; p += 8) r += ld64(p);
  return r;
}
