// bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp (lib/string.c) of s1 (s1_sz readable bytes)
// against s2 (a NUL-terminated constant string): 0 when equal, else -1 or 1 by the first
// differing byte compared as unsigned char.

import type { HelperCall } from '../helpers.js';
import { checkReadable, readableEnd } from './access.js';
import type { HelperImpl } from './types.js';

export function strncmp(call: HelperCall): number {
  const s1 = call.u32(1);
  const n = call.u32(2);
  const s2 = call.arg(3);
  checkReadable(call, s1, n);
  const s2End = readableEnd(call, s2, n);
  const s2Start = Number(s2);
  const bytes = call.memory.bytes;
  for (let k = 0; k < n; k++) {
    // s2 must stay readable up to its NUL; the verifier proves it for a constant string.
    if (s2Start + k >= s2End) checkReadable(call, s2Start + k, 1);
    const c1 = bytes[s1 + k]!;
    const c2 = bytes[s2Start + k]!;
    if (c1 !== c2) return c1 < c2 ? -1 : 1;
    if (c1 === 0) break;
  }
  return 0;
}

export function stringHelpers(): HelperImpl[] {
  return [{ name: 'strncmp', fn: strncmp }];
}
