// crc32 (bench/programs/crc32.s): CRC-32 (reflected, as zlib's), one bit at a time.
#include "kernels.h"

uint64_t kernel_crc32(uint8_t *mem, uint64_t len) {
  uint32_t c = 0xffffffffu;
  for (uint64_t i = 0; i < len; i++) {
    c ^= mem[i];
    for (int k = 0; k < 8; k++) {
      uint32_t low = c & 1;
      c >>= 1;
      if (low) c ^= 0xedb88320u;
    }
  }
  return c ^ 0xffffffffu;
}
