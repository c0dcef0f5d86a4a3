// sieve (bench/programs/sieve.s): primes below the input length, composites marked in place.
#include "kernels.h"

uint64_t kernel_sieve(uint8_t *mem, uint64_t len) {
  uint64_t count = 0;
  for (uint64_t i = 2; i < len; i++) {
    if (mem[i] != 0) continue;
    count++;
    for (uint64_t j = i * i; j < len; j += i) mem[j] = 1;
  }
  return count;
}
