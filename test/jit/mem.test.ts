// Loads, stores, atomics and the legacy packet loads on the JIT against the interpreter, and the
// memory traps: an access outside the Wasm memory is RunError OUT_OF_BOUNDS at its instruction.

import { describe, expect, it } from 'vitest';
import { both, runOn } from './harness.js';

const INPUT = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 0x81) & 0xff);

describe('JIT vs interpreter, memory', () => {
  it.each([
    [
      'ldx all sizes, zero-extended',
      `
      ldxb %r2, [%r1+3]
      ldxh %r3, [%r1+5]
      ldxw %r4, [%r1+9]
      ldxdw %r5, [%r1+16]
      add %r2, %r3
      add %r2, %r4
      xor %r2, %r5
      mov %r0, %r2
      exit`,
    ],
    [
      'ldxs sign-extending loads',
      `
      ldxsb %r2, [%r1+0]
      ldxsh %r3, [%r1+1]
      ldxsw %r4, [%r1+3]
      stxdw [%r1+0], %r2
      stxdw [%r1+8], %r3
      stxdw [%r1+16], %r4
      mov %r0, 0
      exit`,
    ],
    [
      'st and stx of every size, negative offsets from r10',
      `
      stdw [%r10-8], -2
      stw [%r10-12], 0x12345678
      sth [%r10-14], -3
      stb [%r10-15], 0x7f
      mov %r2, -1
      stxb [%r10-24], %r2
      stxh [%r10-22], %r2
      stxw [%r10-20], %r2
      ldxdw %r3, [%r10-16]
      ldxdw %r4, [%r10-8]
      ldxdw %r5, [%r10-24]
      stxdw [%r1+0], %r3
      stxdw [%r1+8], %r4
      stxdw [%r1+16], %r5
      mov %r0, 0
      exit`,
    ],
    [
      'atomics 64',
      `
      mov %r2, 5
      lock add [%r1+0], %r2
      lock fetch add [%r1+8], %r2
      lock or [%r1+16], %r2
      mov %r3, 0x0f0f
      lock fetch and [%r1+16], %r3
      lock fetch xor [%r1+24], %r3
      lock xchg [%r1+8], %r3
      ldxdw %r0, [%r1+8]
      lock cmpxchg [%r1+0], %r2
      add %r0, %r2
      add %r0, %r3
      exit`,
    ],
    [
      'atomics 32',
      `
      mov %r2, -5
      lock add32 [%r1+0], %r2
      lock fetch add32 [%r1+4], %r2
      lock fetch or32 [%r1+8], %r2
      lock fetch and32 [%r1+12], %r2
      lock fetch xor32 [%r1+16], %r2
      lock xchg32 [%r1+20], %r2
      ldxw %r0, [%r1+24]
      lock cmpxchg32 [%r1+24], %r2
      add %r0, %r2
      exit`,
    ],
    [
      'cmpxchg that does not match',
      `
      mov %r0, 1
      mov %r2, 99
      lock cmpxchg [%r1+0], %r2
      exit`,
    ],
    [
      'ldabs and ldind are big-endian reads of the input',
      `
      ldabsb 1
      mov %r6, %r0
      ldabsh 2
      add %r6, %r0
      ldabsw 4
      add %r6, %r0
      mov %r7, 3
      ldindw %r7, 8
      add %r0, %r6
      exit`,
    ],
  ])('%s', (_name, asm) => {
    const { jit, interp } = both(asm, { input: INPUT });
    expect(jit.trap).toBeUndefined();
    expect(jit).toEqual(interp);
  });

  it.each([
    ['load from 0xffffffff', 'lddw %r1, 0xffffffff\nldxw %r0, [%r1+0]\nexit', 2],
    ['store past the memory', 'mov %r0, 0\nlddw %r1, 0x7ffffff0\nstb [%r1+0x10], 1\nexit', 3],
    [
      'atomic on a wild pointer',
      'lddw %r2, 0xfffffff0\nmov %r3, 1\nlock add [%r2-8], %r3\nmov %r0, 0\nexit',
      3,
    ],
    ['ldabs past the input', 'ldabsw 30\nexit', 0],
    ['ldind with a negative offset', 'mov %r2, -8\nldindb %r2, 4\nexit', 1],
  ])('%s traps OUT_OF_BOUNDS at the instruction', (_name, asm, insn) => {
    const { jit, interp } = both(asm, { input: INPUT });
    expect(jit.trap).toEqual({ code: 'OUT_OF_BOUNDS', insn });
    expect(interp.trap).toEqual({ code: 'OUT_OF_BOUNDS', insn });
  });

  it('locates a fault inside a called subprogram', () => {
    const asm = `
      mov %r1, 0
      call local sub
      exit
    sub:
      mov %r0, 1
      lddw %r2, 0xfffffffc
      ldxdw %r0, [%r2+0]
      exit`;
    expect(runOn('jit', asm).trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 6 });
  });
});
