// ALU64, ALU32, div/mod edge cases, shifts, movsx and the endian group on the interpreter.
// Each row: r0 = a; r1 = b (register forms) or imm = b (immediate forms); op r0; expect r0.

import { describe, expect, it } from 'vitest';
import { type CodeName, Code, infoOf } from '../../src/isa/index.js';
import { INT64_MIN, U64, ld, run } from './harness.js';

type Row = readonly [CodeName, bigint, bigint | number, bigint];

function alu([name, a, b]: Row): bigint {
  const info = infoOf(Code[name]);
  const op =
    info.form === 'alu_x'
      ? ([name, { dst: 0, src: 1 }] as const)
      : info.form === 'unary'
        ? ([name, { dst: 0 }] as const)
        : ([name, { dst: 0, imm: Number(b) }] as const);
  return run([ld(0, a), ld(1, typeof b === 'bigint' ? b : 0n), op, ['EXIT']]).r0;
}

const M1 = U64(-1n); // 0xffffffffffffffff
const I32_MIN = 0x80000000n;

const alu64: Row[] = [
  ['ADD64_X', M1, 1n, 0n],
  ['ADD64_X', 0xffffffffn, 1n, 0x100000000n],
  ['ADD64_X', 0x7fffffffffffffffn, 1n, INT64_MIN],
  ['ADD64_K', 1n, -1, 0n],
  ['ADD64_K', 0xffffffffn, 1, 0x100000000n],
  ['SUB64_X', 0n, 1n, M1],
  ['SUB64_X', 0x100000000n, 1n, 0xffffffffn],
  ['SUB64_K', 5n, -3, 8n],
  ['SUB64_K', 0n, -1, 1n],
  ['MUL64_X', 0x100000001n, 0x100000001n, 0x200000001n],
  ['MUL64_X', INT64_MIN, M1, INT64_MIN],
  ['MUL64_K', M1, -1, 1n],
  ['MUL64_K', 0x123456789n, 0x10, 0x1234567890n],
  ['OR64_X', 0xf0f0000000000000n, 0x0f0fn, 0xf0f0000000000f0fn],
  ['OR64_K', 0n, -1, M1],
  ['AND64_X', 0x123456789abcdef0n, 0xffff0000ffff0000n, 0x123400009abc0000n],
  ['AND64_K', 0x123456789n, -2, 0x123456788n],
  ['AND64_K', 0x123456789n, 0x7fffffff, 0x23456789n],
  ['XOR64_X', M1, 0x00ff00ff00ff00ffn, 0xff00ff00ff00ff00n],
  ['XOR64_K', 0x100000000n, -1, 0xfffffffeffffffffn],
  ['MOV64_K', 7n, -1, M1],
  ['MOV64_K', 7n, 0x7fffffff, 0x7fffffffn],
  ['MOV64_X', 0n, 0x1122334455667788n, 0x1122334455667788n],
  ['NEG64', 1n, 0, M1],
  ['NEG64', 0n, 0, 0n],
  ['NEG64', INT64_MIN, 0, INT64_MIN],
  ['NEG64', 0x100000000n, 0, 0xffffffff00000000n],
  ['MOVSX8_64', 0n, 0x80n, 0xffffffffffffff80n],
  ['MOVSX8_64', 0n, 0x17fn, 0x7fn],
  ['MOVSX16_64', 0n, 0x8000n, 0xffffffffffff8000n],
  ['MOVSX16_64', 0n, 0x12347fffn, 0x7fffn],
  ['MOVSX32_64', 0n, 0x80000000n, 0xffffffff80000000n],
  ['MOVSX32_64', 0n, 0x17fffffffn, 0x7fffffffn],
];

const divmod64: Row[] = [
  ['DIV64_X', 100n, 7n, 14n],
  ['DIV64_X', 100n, 0n, 0n],
  ['DIV64_X', INT64_MIN, M1, 0n],
  ['DIV64_X', M1, 0x100000000n, 0xffffffffn],
  ['DIV64_K', 100n, 0, 0n],
  ['DIV64_K', 100n, -1, 0n], // imm sign-extends: divides by 2^64-1
  ['DIV64_K', M1, -1, 1n],
  ['DIV64_K', M1, 2, 0x7fffffffffffffffn],
  ['SDIV64_X', U64(-7n), 2n, U64(-3n)],
  ['SDIV64_X', 7n, U64(-2n), U64(-3n)],
  ['SDIV64_X', INT64_MIN, M1, INT64_MIN],
  ['SDIV64_X', U64(-7n), 0n, 0n],
  ['SDIV64_K', U64(-100n), 7, U64(-14n)],
  ['SDIV64_K', INT64_MIN, -1, INT64_MIN],
  ['SDIV64_K', 5n, 0, 0n],
  ['MOD64_X', 100n, 7n, 2n],
  ['MOD64_X', 0x123456789n, 0n, 0x123456789n],
  ['MOD64_K', 100n, -1, 100n],
  ['MOD64_K', M1, -1, 0n],
  ['MOD64_K', 0x123456789n, 0, 0x123456789n],
  ['SMOD64_X', U64(-7n), 2n, M1],
  ['SMOD64_X', 7n, U64(-2n), 1n],
  ['SMOD64_X', U64(-7n), U64(-2n), M1],
  ['SMOD64_X', INT64_MIN, M1, 0n],
  ['SMOD64_X', U64(-7n), 0n, U64(-7n)],
  ['SMOD64_K', U64(-13n), 5, U64(-3n)],
  ['SMOD64_K', INT64_MIN, -1, 0n],
  ['SMOD64_K', U64(-7n), 0, U64(-7n)],
];

const shifts64: Row[] = [
  ['LSH64_K', 1n, 63, INT64_MIN],
  ['LSH64_K', 1n, 32, 0x100000000n],
  ['LSH64_K', 0x80000001n, 1, 0x100000002n],
  ['LSH64_K', 0x123n, 0, 0x123n],
  ['LSH64_X', 0x123n, 64n, 0x123n], // count masked to 63
  ['LSH64_X', 0x123n, 65n, 0x246n],
  ['LSH64_X', 3n, 0x1_0000_0021n, 0x600000000n], // only the low 6 bits count
  ['RSH64_K', INT64_MIN, 63, 1n],
  ['RSH64_K', 0x1_8000_0000n, 31, 3n],
  ['RSH64_K', M1, 32, 0xffffffffn],
  ['RSH64_X', M1, 0xffffn, 1n],
  ['RSH64_X', 0xabcn, 64n, 0xabcn],
  ['ARSH64_K', INT64_MIN, 63, M1],
  ['ARSH64_K', INT64_MIN, 1, 0xc000000000000000n],
  ['ARSH64_K', 0x7000000000000000n, 60, 7n],
  ['ARSH64_K', 0xffffffff00000000n, 32, M1],
  ['ARSH64_K', 0x8000000100000000n, 4, 0xf800000010000000n],
  ['ARSH64_X', U64(-16n), 68n, M1],
  ['ARSH64_X', 0x8000000000000000n, 0n, INT64_MIN],
];

const alu32: Row[] = [
  ['ADD32_X', 0xffffffffn, 1n, 0n],
  ['ADD32_X', 0x1_00000005n, 0x2_00000003n, 8n],
  ['ADD32_K', M1, 1, 0n],
  ['ADD32_K', 0n, -1, 0xffffffffn],
  ['SUB32_X', 0n, 1n, 0xffffffffn],
  ['SUB32_K', 0x5_00000000n, 1, 0xffffffffn],
  ['MUL32_X', 0x10000n, 0x10000n, 0n],
  ['MUL32_X', 0xffffffffn, 0xffffffffn, 1n],
  ['MUL32_K', I32_MIN, -1, I32_MIN],
  ['MUL32_K', 0x12345678n, 0x100, 0x34567800n],
  ['OR32_X', 0xffffffff_00000001n, 0x2n, 3n],
  ['OR32_K', 0n, -1, 0xffffffffn],
  ['AND32_X', M1, 0x1_0000ffffn, 0xffffn],
  ['AND32_K', M1, -16, 0xfffffff0n],
  ['XOR32_X', M1, 0xffffn, 0xffff0000n],
  ['XOR32_K', 0x1_00000000n, -1, 0xffffffffn],
  ['MOV32_K', M1, -1, 0xffffffffn],
  ['MOV32_X', 0n, M1, 0xffffffffn],
  ['NEG32', 1n, 0, 0xffffffffn],
  ['NEG32', I32_MIN, 0, I32_MIN],
  ['NEG32', 0x1_00000000n, 0, 0n],
  ['MOVSX8_32', M1, 0x80n, 0xffffff80n],
  ['MOVSX8_32', 0n, 0xffffff7fn, 0x7fn],
  ['MOVSX16_32', 0n, 0x8000n, 0xffff8000n],
  ['MOVSX16_32', 0n, 0x1_00007fffn, 0x7fffn],
  ['LSH32_K', 1n, 31, I32_MIN],
  ['LSH32_K', 1n, 33, 2n], // masked to 31
  ['LSH32_X', 0xffffffffn, 4n, 0xfffffff0n],
  ['LSH32_X', 0x1_00000001n, 32n, 1n],
  ['RSH32_K', I32_MIN, 31, 1n],
  ['RSH32_K', 0x1_00000000n, 0, 0n],
  ['RSH32_X', M1, 36n, 0x0fffffffn],
  ['ARSH32_K', I32_MIN, 31, 0xffffffffn],
  ['ARSH32_K', 0xfffffff0_7ffffff0n, 4, 0x07ffffffn],
  ['ARSH32_X', I32_MIN, 36n, 0xf8000000n],
  ['ARSH32_X', 0xf0000000n, 0n, 0xf0000000n],
];

const divmod32: Row[] = [
  ['DIV32_X', 0xffffffffn, 2n, 0x7fffffffn],
  ['DIV32_X', 7n, 0n, 0n],
  ['DIV32_X', 7n, 0x1_00000000n, 0n], // low half of the divisor is 0
  ['DIV32_X', 12n, 0x1_00000004n, 3n],
  ['DIV32_X', 0x1_0000000cn, 4n, 3n],
  ['DIV32_K', 10n, -1, 0n], // 10 / 0xffffffff
  ['DIV32_K', 0xfffffffen, -1, 0n],
  ['DIV32_K', 0xffffffffn, -1, 1n],
  ['DIV32_K', 10n, 0, 0n],
  ['SDIV32_X', 0xfffffff9n, 2n, 0xfffffffdn],
  ['SDIV32_X', I32_MIN, 0xffffffffn, I32_MIN],
  ['SDIV32_X', 0xfffffff9n, 0x1_00000000n, 0n],
  ['SDIV32_K', I32_MIN, -1, I32_MIN],
  ['SDIV32_K', 7n, -2, 0xfffffffdn],
  ['SDIV32_K', 7n, 0, 0n],
  ['MOD32_X', 10n, 3n, 1n],
  ['MOD32_X', 0x1_00000007n, 0n, 7n], // dst unchanged but truncated to 32 bits
  ['MOD32_X', 0xffffffffn, 0x1_00000010n, 0xfn],
  ['MOD32_K', 10n, -1, 10n],
  ['MOD32_K', 0x5_0000000an, 0, 0xan],
  ['SMOD32_X', 0xfffffff9n, 2n, 0xffffffffn],
  ['SMOD32_X', 7n, 0xfffffffen, 1n],
  ['SMOD32_X', 0xfffffff9n, 0xfffffffen, 0xffffffffn],
  ['SMOD32_X', I32_MIN, 0xffffffffn, 0n],
  ['SMOD32_X', M1 - 6n, 0n, 0xfffffff9n],
  ['SMOD32_K', I32_MIN, -1, 0n],
  ['SMOD32_K', 0xfffffff3n, 5, 0xfffffffdn],
  ['SMOD32_K', 0xffffffff_fffffff9n, 0, 0xfffffff9n],
];

const endian: Row[] = [
  ['LE', 0x1122334455667788n, 16, 0x7788n],
  ['LE', 0x1122334455667788n, 32, 0x55667788n],
  ['LE', 0x1122334455667788n, 64, 0x1122334455667788n],
  ['BE', 0x1122334455667788n, 16, 0x8877n],
  ['BE', 0x1122334455667788n, 32, 0x88776655n],
  ['BE', 0x1122334455667788n, 64, 0x8877665544332211n],
  ['BSWAP', 0x1122334455667788n, 16, 0x8877n],
  ['BSWAP', 0x1122334455667788n, 32, 0x88776655n],
  ['BSWAP', 0x1122334455667788n, 64, 0x8877665544332211n],
  ['BSWAP', 0x80n, 64, 0x8000000000000000n],
];

const fmt = (v: bigint | number): string =>
  typeof v === 'bigint' ? `0x${v.toString(16)}` : String(v);

describe.each([
  ['ALU64', alu64],
  ['div/mod 64', divmod64],
  ['shifts 64', shifts64],
  ['ALU32', alu32],
  ['div/mod 32', divmod32],
  ['endian', endian],
] as const)('%s', (_group, rows) => {
  it.each(rows.map((row) => [row[0], fmt(row[1]), fmt(row[2]), fmt(row[3]), row] as const))(
    '%s a=%s b=%s -> %s',
    (_n, _a, _b, _e, row) => {
      expect(alu(row)).toBe(row[3]);
    },
  );
});

describe('ALU with dst == src', () => {
  it.each([
    ['ADD64_X', 0xffffffffn, 0x1fffffffen],
    ['SUB64_X', 0x1234n, 0n],
    ['XOR32_X', M1, 0n],
    ['MUL64_X', 0x100000000n, 0n],
    ['DIV64_X', 77n, 1n],
    ['SMOD32_X', I32_MIN, 0n],
    ['LSH64_X', 3n, 0x18n],
  ] as const)('%s r0, r0 with r0 = %s', (name, a, expected) => {
    expect(run([ld(0, a), [name, { dst: 0, src: 0 }], ['EXIT']]).r0).toBe(expected);
  });
});
