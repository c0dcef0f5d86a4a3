// bpf_csum_diff(from, from_size, to, to_size, seed) (net/core/filter.c): the 32-bit one's-
// complement sum of seed, the complement of every 32-bit word of `from` and every word of `to`
// (the kernel builds that diff buffer and runs csum_partial over it). Sizes must be multiples of
// 4 and fit the kernel's 512-byte diff buffer together, else -EINVAL. The result is the unfolded
// 32-bit __wsum that csum_replace helpers and csum_fold take, zero-extended.
//
// Words are read in memory order as little-endian u32, as x86's csum_partial does: the one's-
// complement sum commutes with byte swapping, so the folded 16-bit checksum of network-order data
// comes out right when stored back in the same order.

import type { HelperCall } from '../helpers.js';
import { checkReadable } from './access.js';
import { EINVAL } from './errno.js';
import type { HelperImpl } from './types.js';

/** sizeof(sp->diff) in the kernel: MAX_BPF_STACK bytes of __be32. */
export const CSUM_DIFF_MAX = 512;

/** One's-complement add of a u32 into a u32 sum (end-around carry). */
export function csumAdd(sum: number, word: number): number {
  const s = sum + word;
  return s > 0xffff_ffff ? s - 0xffff_ffff : s;
}

/** Fold a 32-bit partial sum to the 16-bit checksum (csum_fold, complemented). */
export function csumFold(sum: number): number {
  let s = (sum >>> 16) + (sum & 0xffff);
  s = (s >>> 16) + (s & 0xffff);
  return ~s & 0xffff;
}

export function csumDiff(call: HelperCall): bigint | number {
  const from = call.u32(1);
  const fromSize = call.u32(2);
  const to = call.u32(3);
  const toSize = call.u32(4);
  const seed = call.u32(5);
  if (((fromSize | toSize) & 3) !== 0 || fromSize + toSize > CSUM_DIFF_MAX) return -EINVAL;
  checkReadable(call, from, fromSize);
  checkReadable(call, to, toSize);
  const dv = call.memory.view;
  let sum = seed;
  for (let k = 0; k < fromSize; k += 4) sum = csumAdd(sum, ~dv.getUint32(from + k, true) >>> 0);
  for (let k = 0; k < toSize; k += 4) sum = csumAdd(sum, dv.getUint32(to + k, true));
  return sum;
}

export function csumHelpers(): HelperImpl[] {
  return [{ name: 'csum_diff', fn: csumDiff }];
}
