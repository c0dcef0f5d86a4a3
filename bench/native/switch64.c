// switch64 (bench/programs/switch64.s): a 64-way switch on (byte & 63), each arm a different
// small update of the accumulator (the same arms as the .s, whose header gives their rule).
#include "kernels.h"

uint64_t kernel_switch64(uint8_t *mem, uint64_t len) {
  uint64_t r = 0;
  for (uint64_t i = 0; i < len; i++) {
    uint64_t b = mem[i];
    switch (b & 63) {
    case 0:
      r += 1;
      break;
    case 1:
      r ^= 4376;
      break;
    case 2:
      r *= 7;
      break;
    case 3:
      r -= 44;
      break;
    case 4:
      r <<= 5;
      break;
    case 5:
      r >>= 3;
      break;
    case 6:
      r = (r + b) ^ 6;
      break;
    case 7:
      r ^= r >> 3;
      break;
    case 8:
      r += 297;
      break;
    case 9:
      r ^= 39328;
      break;
    case 10:
      r *= 23;
      break;
    case 11:
      r -= 148;
      break;
    case 12:
      r <<= 3;
      break;
    case 13:
      r >>= 2;
      break;
    case 14:
      r = (r + b) ^ 14;
      break;
    case 15:
      r ^= r >> 4;
      break;
    case 16:
      r += 593;
      break;
    case 17:
      r ^= 74280;
      break;
    case 18:
      r *= 39;
      break;
    case 19:
      r -= 252;
      break;
    case 20:
      r <<= 1;
      break;
    case 21:
      r >>= 1;
      break;
    case 22:
      r = (r + b) ^ 22;
      break;
    case 23:
      r ^= r >> 5;
      break;
    case 24:
      r += 889;
      break;
    case 25:
      r ^= 109232;
      break;
    case 26:
      r *= 55;
      break;
    case 27:
      r -= 356;
      break;
    case 28:
      r <<= 4;
      break;
    case 29:
      r >>= 3;
      break;
    case 30:
      r = (r + b) ^ 30;
      break;
    case 31:
      r ^= r >> 6;
      break;
    case 32:
      r += 1185;
      break;
    case 33:
      r ^= 144184;
      break;
    case 34:
      r *= 71;
      break;
    case 35:
      r -= 460;
      break;
    case 36:
      r <<= 2;
      break;
    case 37:
      r >>= 2;
      break;
    case 38:
      r = (r + b) ^ 38;
      break;
    case 39:
      r ^= r >> 7;
      break;
    case 40:
      r += 1481;
      break;
    case 41:
      r ^= 179136;
      break;
    case 42:
      r *= 87;
      break;
    case 43:
      r -= 564;
      break;
    case 44:
      r <<= 5;
      break;
    case 45:
      r >>= 1;
      break;
    case 46:
      r = (r + b) ^ 46;
      break;
    case 47:
      r ^= r >> 8;
      break;
    case 48:
      r += 1777;
      break;
    case 49:
      r ^= 214088;
      break;
    case 50:
      r *= 103;
      break;
    case 51:
      r -= 668;
      break;
    case 52:
      r <<= 3;
      break;
    case 53:
      r >>= 3;
      break;
    case 54:
      r = (r + b) ^ 54;
      break;
    case 55:
      r ^= r >> 9;
      break;
    case 56:
      r += 2073;
      break;
    case 57:
      r ^= 249040;
      break;
    case 58:
      r *= 119;
      break;
    case 59:
      r -= 772;
      break;
    case 60:
      r <<= 1;
      break;
    case 61:
      r >>= 2;
      break;
    case 62:
      r = (r + b) ^ 62;
      break;
    case 63:
      r ^= r >> 3;
      break;
    }
  }
  return r;
}
