// switch (bench/programs/switch.s): an 8-way switch on (byte & 7), each arm a different small
// update of the accumulator.
#include "kernels.h"

uint64_t kernel_switch(uint8_t *mem, uint64_t len) {
  uint64_t r = 0;
  for (uint64_t i = 0; i < len; i++) {
    switch (mem[i] & 7) {
    case 0:
      r += 1;
      break;
    case 1:
      r *= 3;
      break;
    case 2:
      r ^= 0x5a5a;
      break;
    case 3:
      r <<= 1;
      break;
    case 4:
      r -= 7;
      break;
    case 5:
      r >>= 1;
      break;
    case 6:
      r += 0x1234;
      break;
    default:
      r = ~r;
    }
  }
  return r;
}
