// ALU, ALU64 and conditional jumps on the JIT against the interpreter: every instruction code of
// those groups runs over a grid of operand pairs chosen around the edges (0, ±1, INT_MIN, 32-bit
// boundaries, shift counts past the width), one program per code, each result stored to memory.

import { describe, expect, it } from 'vitest';
import { ALL_INSNS, type CodeName, Code, type InsnInfo } from '../../src/isa/index.js';
import { type Spec, both, build } from './harness.js';

const VALUES: readonly bigint[] = [
  0n,
  1n,
  3n,
  31n,
  32n,
  63n,
  65n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x1_0000_0001n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0xffff_ffff_ffff_ffffn,
  0xffff_ffff_ffff_fff9n /* -7 */,
  0xffff_ffff_8000_0000n,
  0xfedc_ba98_7654_3210n,
  0xff80n,
];
const IMMS: readonly number[] = [
  0, 1, -1, 2, 3, -7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0x8000, -0x8000, 0x12345678,
];

const PROLOGUE: Spec[] = [['MOV64_X', { dst: 9, src: 1 }]];

/** One op over many operand pairs; result i at [r9 + 8*i]. Returns the program and input size. */
function gridProgram(info: InsnInfo): { specs: Spec[]; cases: number } {
  const specs: Spec[] = [...PROLOGUE];
  let i = 0;
  const emit = (a: bigint, b: bigint | number): void => {
    specs.push(['LDDW', { dst: 1, imm64: a }]);
    const isJump = info.kind === 'jmp';
    const usesImm = info.src !== 'reg';
    if (!usesImm) specs.push(['LDDW', { dst: 2, imm64: b as bigint }]);
    if (isJump) {
      specs.push(['MOV64_K', { dst: 3, imm: 0 }]);
      specs.push([
        info.name,
        usesImm ? { dst: 1, imm: b as number, off: 1 } : { dst: 1, src: 2, off: 1 },
      ]);
      specs.push(['MOV64_K', { dst: 3, imm: 1 }]);
      specs.push(['STXDW', { dst: 9, src: 3, off: 8 * i }]);
    } else {
      const f =
        info.form === 'endian'
          ? { dst: 1, imm: b as number }
          : info.form === 'unary'
            ? { dst: 1 }
            : usesImm
              ? { dst: 1, imm: b as number }
              : { dst: 1, src: 2 };
      specs.push([info.name, f]);
      specs.push(['STXDW', { dst: 9, src: 1, off: 8 * i }]);
    }
    i++;
  };
  if (info.form === 'endian') {
    for (const a of VALUES) for (const w of [16, 32, 64]) emit(a, w);
  } else if (info.form === 'unary') {
    for (const a of VALUES) emit(a, 0);
  } else if (info.src !== 'reg') {
    for (const a of VALUES) for (const k of IMMS) emit(a, k);
  } else {
    for (const a of VALUES) for (const b of VALUES) emit(a, b);
  }
  specs.push(['MOV64_K', { dst: 0, imm: 0 }], ['EXIT']);
  return { specs, cases: i };
}

const aluAndJumps = ALL_INSNS.filter(
  (info) =>
    info.kind === 'alu' ||
    (info.kind === 'jmp' && info.code !== Code.JA && info.code !== Code.JA32),
);

describe('JIT vs interpreter, ALU and conditional jumps', () => {
  it('covers every ALU and conditional jump code', () => {
    expect(aluAndJumps.length).toBe(66 + 44);
  });

  it.each(aluAndJumps.map((i) => [i.name, i] as [CodeName, InsnInfo]))('%s', (_name, info) => {
    const { specs, cases } = gridProgram(info);
    const input = new Uint8Array(cases * 8).fill(0xa5);
    const { jit, interp } = both(build(specs), { input });
    expect(jit.trap).toBeUndefined();
    expect(interp.trap).toBeUndefined();
    expect(Buffer.from(jit.output).toString('hex')).toBe(
      Buffer.from(interp.output).toString('hex'),
    );
  });

  it.each([
    ['udiv by zero is 0', 'mov %r0, 7\nmov %r1, 0\ndiv %r0, %r1\nexit', 0n],
    [
      'umod by zero keeps dst',
      'lddw %r0, 0x1234567890\nmov %r1, 0\nmod %r0, %r1\nexit',
      0x1234567890n,
    ],
    [
      'mod32 by zero truncates',
      'lddw %r0, 0x1234567890\nmov %r1, 0\nmod32 %r0, %r1\nexit',
      0x34567890n,
    ],
    ['sdiv INT_MIN / -1', 'lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit', 0x8000000000000000n],
    ['smod INT_MIN % -1', 'lddw %r0, 0x8000000000000000\nmov %r1, -1\nsmod %r0, %r1\nexit', 0n],
    [
      'sdiv32 INT_MIN / -1',
      'mov32 %r0, 0x80000000\nmov %r1, -1\nsdiv32 %r0, %r1\nexit',
      0x80000000n,
    ],
    ['smod sign follows dividend', 'mov %r0, -7\nsmod %r0, 3\nexit', 0xffff_ffff_ffff_ffffn],
    [
      'div32 uses the low half of the divisor',
      'mov %r0, 10\nlddw %r1, 0x100000002\ndiv32 %r0, %r1\nexit',
      5n,
    ],
    ['be16 truncates', 'lddw %r0, 0x1122334455667788\nbe16 %r0\nexit', 0x8877n],
    ['le32 truncates', 'lddw %r0, 0x1122334455667788\nle32 %r0\nexit', 0x55667788n],
    ['bswap64', 'lddw %r0, 0x1122334455667788\nbswap64 %r0\nexit', 0x8877665544332211n],
  ])('%s', (_name, asm, want) => {
    const { jit, interp } = both(asm);
    expect(jit.r0).toBe(want);
    expect(interp.r0).toBe(want);
  });
});
