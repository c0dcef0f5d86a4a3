// hashtab (bench/programs/hashtab.s): a 4096-slot open-addressing table (u64 key, u64 value, key
// 0 empty) in the input, cleared, filled with N keys (value = 1-based index), then M lookups.
// Layout: N (u32) at 0, M (u32) at 4, the table at 16, the N keys, the M keys.
#include "kernels.h"

#define SLOTS 4096
#define HASH(k) (((k) * 0x9e3779b97f4a7c15ull) >> 52)

uint64_t kernel_hashtab(uint8_t *mem, uint64_t len) {
  (void)len;
  uint8_t *table = mem + 16;
  for (uint8_t *s = table; s < table + SLOTS * 16; s += 16) {
    st64(s, 0);
    st64(s + 8, 0);
  }
  uint8_t *key = table + SLOTS * 16;
  uint8_t *end = key + (uint64_t)ld32(mem) * 8;
  uint64_t value = 0;
  for (; key < end; key += 8) {
    uint64_t k = ld64(key), h = HASH(k);
    value++;
    for (;;) {
      uint8_t *slot = table + h * 16;
      uint64_t have = ld64(slot);
      if (have == 0) st64(slot, k);
      if (have == 0 || have == k) {
        st64(slot + 8, value);
        break;
      }
      h = (h + 1) & (SLOTS - 1);
    }
  }
  end = key + (uint64_t)ld32(mem + 4) * 8;
  uint64_t sum = 0, hits = 0;
  for (; key < end; key += 8) {
    uint64_t k = ld64(key), h = HASH(k);
    for (;;) {
      uint8_t *slot = table + h * 16;
      uint64_t have = ld64(slot);
      if (have == k) {
        hits++;
        sum += ld64(slot + 8);
        break;
      }
      if (have == 0) break;
      h = (h + 1) & (SLOTS - 1);
    }
  }
  return (uint32_t)sum + (hits << 32);
}
