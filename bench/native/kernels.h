// The native versions of the benchmark kernels (bench/programs/*.s), one file each, written in C
// to mirror each .s kernel's algorithm (not a smarter one) and built with cc -O2
// -fno-jump-tables by bench/native.ts (a switch becomes a compare tree, as in the .s). Each
// takes the input as the eBPF program does (r1 = mem, r2 = len) and returns r0; all are
// idempotent on their input, as the .s kernels are.
#ifndef EBPF_WASM_BENCH_KERNELS_H
#define EBPF_WASM_BENCH_KERNELS_H

#include <stdint.h>
#include <string.h>

#define KERNEL __attribute__((noinline))

// Unaligned little-endian loads and stores, as ldx/stx do (the host is little-endian).
static inline uint64_t ld64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline uint32_t ld32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint16_t ld16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static inline void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

KERNEL uint64_t kernel_sum(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_arith(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_switch(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_switch64(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_calls(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_sieve(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_crc32(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_memcpy(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_memcmp(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_log2(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_hashtab(uint8_t *mem, uint64_t len);
KERNEL uint64_t kernel_parse(uint8_t *mem, uint64_t len);

#endif
