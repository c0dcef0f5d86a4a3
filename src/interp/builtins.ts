// The built-in library functions clang calls when it does not inline them (the ELF loader
// turns `call memset` etc. into `call` src=2 with imm = BUILTINS id): memset, memcpy, memmove,
// memcmp with C's results (memset/memcpy/memmove return dst, memcmp -1/0/1). Every byte range
// is checked against the regions like a load or store of that size.

import { RunError } from '../errors.js';
import type { MemAccess } from './mem.js';

/** BUILTINS ids from src/elf/reloc.ts. */
export const Builtin = { MEMSET: 1, MEMCPY: 2, MEMMOVE: 3, MEMCMP: 4 } as const;

/**
 * Run builtin `id` with r1-r3 taken from the register halves in `r` (r`n` low at [2n]).
 * Returns r0 as an unsigned 64-bit value; r1-r5 are left as they were.
 * @throws RunError OUT_OF_BOUNDS for a range outside every region, UNSUPPORTED for an unknown id.
 */
export function runBuiltin(mem: MemAccess, r: Uint32Array, id: number, pc: number): bigint {
  const n = lengthOf(r, pc);
  const dstHi = r[3]!;
  const dstLo = r[2]!;
  switch (id) {
    case Builtin.MEMSET: {
      if (n > 0) {
        const at = mem.ea(dstHi, dstLo, 0, n, true, pc);
        new Uint8Array(mem.dv.buffer, at, n).fill(r[4]! & 0xff);
      }
      return pointer(dstHi, dstLo);
    }
    case Builtin.MEMCPY:
    case Builtin.MEMMOVE: {
      if (n > 0) {
        const from = mem.ea(r[5]!, r[4]!, 0, n, false, pc);
        const to = mem.ea(dstHi, dstLo, 0, n, true, pc);
        // copyWithin has memmove semantics, which is also a correct memcpy.
        new Uint8Array(mem.dv.buffer).copyWithin(to, from, from + n);
      }
      return pointer(dstHi, dstLo);
    }
    case Builtin.MEMCMP: {
      if (n === 0) return 0n;
      const a = mem.ea(dstHi, dstLo, 0, n, false, pc);
      const b = mem.ea(r[5]!, r[4]!, 0, n, false, pc);
      const bytes = new Uint8Array(mem.dv.buffer);
      for (let i = 0; i < n; i++) {
        const d = bytes[a + i]! - bytes[b + i]!;
        if (d !== 0) return d < 0 ? 0xffff_ffff_ffff_ffffn : 1n;
      }
      return 0n;
    }
    default:
      throw new RunError('UNSUPPORTED', `kfunc calls (call runtime ${id}) are not supported`, {
        insn: pc,
      });
  }
}

/** The length in r3; one that does not fit 32 bits cannot be a valid range. */
function lengthOf(r: Uint32Array, pc: number): number {
  if (r[7] !== 0) {
    throw new RunError(
      'OUT_OF_BOUNDS',
      `builtin length 0x${r[7]!.toString(16)}${r[6]!.toString(16).padStart(8, '0')} is outside the memory`,
      {
        insn: pc,
      },
    );
  }
  return r[6]!;
}

function pointer(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
