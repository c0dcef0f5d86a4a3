// Every conditional jump, 64-bit and JMP32, signed and unsigned, register and immediate, plus
// ja and ja32. Each row: r2 = a; r3 = b (register forms) or imm = b; expect taken or not.

import { describe, expect, it } from 'vitest';
import { type CodeName, Code, infoOf } from '../../src/isa/index.js';
import { U64, ld, run } from './harness.js';

type Row = readonly [CodeName, bigint, bigint | number, boolean];

function taken([name, a, b]: Row): boolean {
  const x = infoOf(Code[name]).form === 'jmp_x';
  const jump = x
    ? ([name, { dst: 2, src: 3, off: 2 }] as const)
    : ([name, { dst: 2, imm: Number(b), off: 2 }] as const);
  const r0 = run([
    ld(2, a),
    ld(3, typeof b === 'bigint' ? b : 0n),
    jump,
    ['MOV64_K', { dst: 0, imm: 0 }],
    ['EXIT'],
    ['MOV64_K', { dst: 0, imm: 1 }],
    ['EXIT'],
  ]).r0;
  return r0 === 1n;
}

const M1 = U64(-1n);

const jmp64: Row[] = [
  ['JEQ_K', M1, -1, true], // imm sign-extends
  ['JEQ_K', 0xffffffffn, -1, false],
  ['JEQ_K', 5n, 5, true],
  ['JEQ_X', 0x1_00000005n, 0x1_00000005n, true],
  ['JEQ_X', 0x1_00000005n, 0x2_00000005n, false],
  ['JNE_K', 0x1_00000000n, 0, true],
  ['JNE_K', M1, -1, false],
  ['JNE_X', 1n, 1n, false],
  ['JNE_X', 1n, 0x1_00000001n, true],
  ['JSET_K', 6n, 2, true],
  ['JSET_K', 6n, 1, false],
  ['JSET_K', 0x1_00000000n, -0x80000000, true], // imm sign-extended: high bits set
  ['JSET_X', 0x1_00000000n, 0x1_00000000n, true],
  ['JSET_X', 0x1_00000000n, 0xffffffffn, false],
  ['JGT_K', M1, 1, true], // unsigned
  ['JGT_K', 1n, -1, false],
  ['JGT_K', 2n, 2, false],
  ['JGT_X', 0x1_00000000n, 0xffffffffn, true],
  ['JGT_X', 0xffffffffn, 0x1_00000000n, false],
  ['JGE_K', 2n, 2, true],
  ['JGE_K', 1n, 2, false],
  ['JGE_X', M1, M1, true],
  ['JGE_X', 0n, M1, false],
  ['JLT_K', 1n, -1, true],
  ['JLT_K', 3n, 3, false],
  ['JLT_X', 0xffffffffn, 0x1_00000000n, true],
  ['JLT_X', M1, 0n, false],
  ['JLE_K', 3n, 3, true],
  ['JLE_K', 4n, 3, false],
  ['JLE_X', 0x1_00000000n, 0x1_00000000n, true],
  ['JLE_X', 0x1_00000001n, 0x1_00000000n, false],
  ['JSGT_K', M1, 1, false], // signed: -1 > 1 is false
  ['JSGT_K', 2n, -1, true],
  ['JSGT_X', 0x7fffffffffffffffn, 1n << 63n, true],
  ['JSGT_X', 1n << 63n, 0n, false],
  ['JSGE_K', M1, -1, true],
  ['JSGE_K', U64(-2n), -1, false],
  ['JSGE_X', 0n, M1, true],
  ['JSGE_X', M1, 0n, false],
  ['JSLT_K', M1, 0, true],
  ['JSLT_K', 0n, -1, false],
  ['JSLT_X', 1n << 63n, 0x7fffffffffffffffn, true],
  ['JSLT_X', 5n, 5n, false],
  ['JSLE_K', U64(-5n), -5, true],
  ['JSLE_K', U64(-4n), -5, false],
  ['JSLE_X', 0xffffffffn, 0x1_00000000n, true],
  ['JSLE_X', 0n, M1, false],
];

const jmp32: Row[] = [
  ['JEQ32_K', 0x1_00000005n, 5, true], // only the low halves count
  ['JEQ32_K', 0xffffffffn, -1, true],
  ['JEQ32_K', 4n, 5, false],
  ['JEQ32_X', 0x1_00000005n, 0x2_00000005n, true],
  ['JEQ32_X', 5n, 6n, false],
  ['JNE32_K', 0x1_00000000n, 0, false],
  ['JNE32_K', 1n, 0, true],
  ['JNE32_X', 0x1_00000007n, 7n, false],
  ['JNE32_X', 7n, 8n, true],
  ['JSET32_K', 0x1_00000000n, -1, false],
  ['JSET32_K', 0x80000000n, -0x80000000, true],
  ['JSET32_X', 0x1_00000000n, 0x1_00000000n, false],
  ['JSET32_X', 3n, 2n, true],
  ['JGT32_K', 0xffffffffn, 1, true],
  ['JGT32_K', 0x1_00000000n, 0, false],
  ['JGT32_X', 0x80000000n, 0x7fffffffn, true],
  ['JGT32_X', 1n, 0x1_00000002n, false],
  ['JGE32_K', 0xffffffffn, -1, true],
  ['JGE32_K', 0x2_00000000n, 1, false],
  ['JGE32_X', 7n, 7n, true],
  ['JGE32_X', 6n, 7n, false],
  ['JLT32_K', 0x1_00000000n, 1, true],
  ['JLT32_K', 0xffffffffn, 1, false],
  ['JLT32_X', 1n, 0x80000000n, true],
  ['JLT32_X', 0x80000000n, 1n, false],
  ['JLE32_K', 0x1_00000001n, 1, true],
  ['JLE32_K', 2n, 1, false],
  ['JLE32_X', 0xffffffffn, 0xffffffffn, true],
  ['JLE32_X', 0xffffffffn, 0xfffffffen, false],
  ['JSGT32_K', 0xffffffffn, 1, false], // -1 > 1 is false
  ['JSGT32_K', 1n, -1, true],
  ['JSGT32_X', 0x7fffffffn, 0x80000000n, true],
  ['JSGT32_X', 0x80000000n, 0n, false],
  ['JSGE32_K', 0x1_80000000n, 0, false], // low half is negative
  ['JSGE32_K', 0xffffffff_00000000n, 0, true],
  ['JSGE32_X', 5n, 5n, true],
  ['JSGE32_X', 0xfffffffbn, 5n, false],
  ['JSLT32_K', 0x1_80000000n, 0, true],
  ['JSLT32_K', 0x7fffffffn, -1, false],
  ['JSLT32_X', 0xffffffffn, 0n, true],
  ['JSLT32_X', 0n, 0xffffffffn, false],
  ['JSLE32_K', 0xfffffffbn, -5, true],
  ['JSLE32_K', 0xfffffffcn, -5, false],
  ['JSLE32_X', 0x80000000n, 0x7fffffffn, true],
  ['JSLE32_X', 0x7fffffffn, 0x80000000n, false],
];

const fmt = (v: bigint | number): string =>
  typeof v === 'bigint' ? `0x${v.toString(16)}` : String(v);

describe.each([
  ['JMP', jmp64],
  ['JMP32', jmp32],
] as const)('%s', (_g, rows) => {
  it.each(rows.map((row) => [row[0], fmt(row[1]), fmt(row[2]), row[3], row] as const))(
    '%s %s, %s taken=%s',
    (_n, _a, _b, _t, row) => {
      expect(taken(row)).toBe(row[3]);
    },
  );
});

describe('unconditional jumps', () => {
  it.each([
    ['JA', { off: 1 }],
    ['JA32', { imm: 1 }],
  ] as const)('%s skips forward', (name, fields) => {
    const r0 = run([
      ['MOV64_K', { dst: 0, imm: 1 }],
      [name, fields],
      ['MOV64_K', { dst: 0, imm: 2 }],
      ['EXIT'],
    ]).r0;
    expect(r0).toBe(1n);
  });

  it('ja32 jumps backward by imm and the off field does not matter', () => {
    // r0 counts down from 3 through a backward ja32.
    const out = run([
      ['MOV64_K', { dst: 0, imm: 3 }],
      ['MOV64_K', { dst: 1, imm: 0 }],
      ['JEQ_K', { dst: 0, imm: 0, off: 3 }],
      ['SUB64_K', { dst: 0, imm: 1 }],
      ['ADD64_K', { dst: 1, imm: 10 }],
      ['JA32', { imm: -4 }],
      ['MOV64_X', { dst: 0, src: 1 }],
      ['EXIT'],
    ]);
    expect(out.r0).toBe(30n);
  });

  it('a jump over an lddw lands past both of its slots', () => {
    const r0 = run([
      ['MOV64_K', { dst: 0, imm: 5 }],
      ['JA', { off: 2 }],
      ld(0, 0x1122334455667788n),
      ['EXIT'],
    ]).r0;
    expect(r0).toBe(5n);
  });
});
