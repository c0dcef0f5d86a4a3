// The atomic memory operations (RFC 9669 "atomic operations"), on an address the interpreter has
// already checked. Registers are the interpreter's Uint32Array of halves (see alu.ts). Kept out of
// the main loop because they are bulky and rare; a single-threaded VM makes them plain
// read-modify-write sequences.

import { assertNever } from '../errors.js';
import { Code } from '../isa/opcodes.js';

export type Atomic32 =
  | typeof Code.ATOMIC32_ADD
  | typeof Code.ATOMIC32_FETCH_ADD
  | typeof Code.ATOMIC32_OR
  | typeof Code.ATOMIC32_FETCH_OR
  | typeof Code.ATOMIC32_AND
  | typeof Code.ATOMIC32_FETCH_AND
  | typeof Code.ATOMIC32_XOR
  | typeof Code.ATOMIC32_FETCH_XOR
  | typeof Code.ATOMIC32_XCHG
  | typeof Code.ATOMIC32_CMPXCHG;
export type Atomic64 =
  | typeof Code.ATOMIC64_ADD
  | typeof Code.ATOMIC64_FETCH_ADD
  | typeof Code.ATOMIC64_OR
  | typeof Code.ATOMIC64_FETCH_OR
  | typeof Code.ATOMIC64_AND
  | typeof Code.ATOMIC64_FETCH_AND
  | typeof Code.ATOMIC64_XOR
  | typeof Code.ATOMIC64_FETCH_XOR
  | typeof Code.ATOMIC64_XCHG
  | typeof Code.ATOMIC64_CMPXCHG;

/** 32-bit atomics at `a`: FETCH forms and XCHG put the old value, zero-extended, in src. */
export function atomic32(
  r: Uint32Array,
  dv: DataView,
  code: Atomic32,
  a: number,
  s2: number,
): void {
  const old = dv.getUint32(a, true);
  const v = r[s2]!;
  switch (code) {
    case Code.ATOMIC32_CMPXCHG:
      // Compares the low 32 bits of r0; r0 always gets the old value, zero-extended.
      if (old === r[0]) dv.setUint32(a, v, true);
      r[0] = old;
      r[1] = 0;
      return;
    case Code.ATOMIC32_ADD:
    case Code.ATOMIC32_FETCH_ADD:
      dv.setUint32(a, (old + v) >>> 0, true);
      break;
    case Code.ATOMIC32_OR:
    case Code.ATOMIC32_FETCH_OR:
      dv.setUint32(a, (old | v) >>> 0, true);
      break;
    case Code.ATOMIC32_AND:
    case Code.ATOMIC32_FETCH_AND:
      dv.setUint32(a, (old & v) >>> 0, true);
      break;
    case Code.ATOMIC32_XOR:
    case Code.ATOMIC32_FETCH_XOR:
      dv.setUint32(a, (old ^ v) >>> 0, true);
      break;
    case Code.ATOMIC32_XCHG:
      dv.setUint32(a, v, true);
      break;
    default:
      assertNever(code, 'atomic');
  }
  if (
    code !== Code.ATOMIC32_ADD &&
    code !== Code.ATOMIC32_OR &&
    code !== Code.ATOMIC32_AND &&
    code !== Code.ATOMIC32_XOR
  ) {
    r[s2] = old;
    r[s2 + 1] = 0;
  }
}

/** 64-bit atomics at `a`: FETCH forms and XCHG put the old value in src. */
export function atomic64(
  r: Uint32Array,
  dv: DataView,
  code: Atomic64,
  a: number,
  s2: number,
): void {
  const oldLo = dv.getUint32(a, true);
  const oldHi = dv.getUint32(a + 4, true);
  const vLo = r[s2]!;
  const vHi = r[s2 + 1]!;
  let lo: number;
  let hi: number;
  switch (code) {
    case Code.ATOMIC64_CMPXCHG:
      if (oldLo === r[0] && oldHi === r[1]) {
        dv.setUint32(a, vLo, true);
        dv.setUint32(a + 4, vHi, true);
      }
      r[0] = oldLo;
      r[1] = oldHi;
      return;
    case Code.ATOMIC64_ADD:
    case Code.ATOMIC64_FETCH_ADD: {
      const sum = oldLo + vLo;
      lo = sum >>> 0;
      hi = (oldHi + vHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      break;
    }
    case Code.ATOMIC64_OR:
    case Code.ATOMIC64_FETCH_OR:
      lo = (oldLo | vLo) >>> 0;
      hi = (oldHi | vHi) >>> 0;
      break;
    case Code.ATOMIC64_AND:
    case Code.ATOMIC64_FETCH_AND:
      lo = (oldLo & vLo) >>> 0;
      hi = (oldHi & vHi) >>> 0;
      break;
    case Code.ATOMIC64_XOR:
    case Code.ATOMIC64_FETCH_XOR:
      lo = (oldLo ^ vLo) >>> 0;
      hi = (oldHi ^ vHi) >>> 0;
      break;
    case Code.ATOMIC64_XCHG:
      lo = vLo;
      hi = vHi;
      break;
    default:
      assertNever(code, 'atomic');
  }
  dv.setUint32(a, lo, true);
  dv.setUint32(a + 4, hi, true);
  if (
    code !== Code.ATOMIC64_ADD &&
    code !== Code.ATOMIC64_OR &&
    code !== Code.ATOMIC64_AND &&
    code !== Code.ATOMIC64_XOR
  ) {
    r[s2] = oldLo;
    r[s2 + 1] = oldHi;
  }
}
