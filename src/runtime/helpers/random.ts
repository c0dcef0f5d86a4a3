// bpf_get_prandom_u32: a seedable pseudo-random u32. The kernel uses a per-CPU Tausworthe
// generator (L'Ecuyer's LFSR113, lib/random32.c) seeded from the entropy pool; here the same
// generator is seeded from HostEnv.seed, so a test that fixes the seed sees a fixed sequence.

import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

/** LFSR113: four combined Tausworthe generators, period about 2^113. */
export class Lfsr113 {
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private s4 = 0;

  constructor(seed: bigint) {
    this.reseed(seed);
  }

  /**
   * Each component needs its top bits non-zero (s1 >= 2, s2 >= 8, s3 >= 16, s4 >= 128) or it
   * degenerates; the components are spread from the 64-bit seed with splitmix64 steps.
   */
  reseed(seed: bigint): void {
    let x = BigInt.asUintN(64, seed);
    const next = (min: number): number => {
      x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
      let z = x;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      const v = Number((z ^ (z >> 31n)) & 0xffff_ffffn);
      return v < min ? v + min : v;
    };
    this.s1 = next(2);
    this.s2 = next(8);
    this.s3 = next(16);
    this.s4 = next(128);
    // Warm up as lib/random32.c does after seeding, so close seeds diverge at once.
    for (let i = 0; i < 10; i++) this.next();
  }

  /** The next u32. */
  next(): number {
    const { s1, s2, s3, s4 } = this;
    this.s1 = (((s1 & 0xfffffffe) << 18) ^ (((s1 << 6) ^ s1) >>> 13)) >>> 0;
    this.s2 = (((s2 & 0xfffffff8) << 2) ^ (((s2 << 2) ^ s2) >>> 27)) >>> 0;
    this.s3 = (((s3 & 0xfffffff0) << 7) ^ (((s3 << 13) ^ s3) >>> 21)) >>> 0;
    this.s4 = (((s4 & 0xffffff80) << 13) ^ (((s4 << 3) ^ s4) >>> 12)) >>> 0;
    return (this.s1 ^ this.s2 ^ this.s3 ^ this.s4) >>> 0;
  }
}

export function randomHelpers(host: Host): HelperImpl[] {
  const rng = new Lfsr113(host.seed);
  return [{ name: 'get_prandom_u32', fn: () => rng.next() }];
}
