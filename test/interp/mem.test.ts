// Loads and stores of every size (zero- and sign-extending), st with immediates, lddw, the legacy
// ldabs/ldind packet loads and every atomic operation in 32 and 64 bits.

import { describe, expect, it } from 'vitest';
import type { CodeName } from '../../src/isa/index.js';
import { FRAME_SIZE } from '../../src/runtime/layout.js';
import { U64, ld, run } from './harness.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const INPUT = bytes(0x11, 0x22, 0x33, 0x44, 0x85, 0x96, 0xa7, 0xb8, 0xc9, 0xda);

describe('ldx', () => {
  it.each([
    ['LDXB', 0, 0x11n],
    ['LDXB', 4, 0x85n],
    ['LDXH', 1, 0x3322n],
    ['LDXH', 4, 0x9685n],
    ['LDXW', 0, 0x44332211n],
    ['LDXW', 4, 0xb8a79685n],
    ['LDXDW', 0, 0xb8a7968544332211n],
    ['LDXDW', 2, 0xdac9b8a796854433n],
    ['LDXSB', 0, 0x11n],
    ['LDXSB', 4, U64(-0x7bn)],
    ['LDXSH', 0, 0x2211n],
    ['LDXSH', 4, 0xffffffffffff9685n],
    ['LDXSW', 0, 0x44332211n],
    ['LDXSW', 4, 0xffffffffb8a79685n],
  ] as const)('%s [r1+%i]', (name: CodeName, off, expected) => {
    const out = run([[name, { dst: 0, src: 1, off }], ['EXIT']], { input: INPUT });
    expect(out.r0).toBe(expected);
  });

  it('load into the base register uses the old base', () => {
    const out = run(
      [['LDXW', { dst: 1, src: 1, off: 0 }], ['MOV64_X', { dst: 0, src: 1 }], ['EXIT']],
      {
        input: INPUT,
      },
    );
    expect(out.r0).toBe(0x44332211n);
  });

  it('negative offsets from a pointer past the start', () => {
    const out = run(
      [['ADD64_K', { dst: 1, imm: 8 }], ['LDXH', { dst: 0, src: 1, off: -4 }], ['EXIT']],
      { input: INPUT },
    );
    expect(out.r0).toBe(0x9685n);
  });
});

describe('st and stx', () => {
  // Store at [r1+2], then return the 8 bytes at [r1+0] and check the output buffer too.
  it.each([
    ['STB', -2, '1122fe0000000000'],
    ['STH', 0x12345, '1122452300000000'], // imm truncated to 16 bits
    ['STW', -2, '1122feffffff0000'],
    ['STDW', -2, '1122feffffffffff'], // imm sign-extended to 64 bits
  ] as const)('%s [r1+2], %i', (name: CodeName, imm, hex) => {
    const input = new Uint8Array(12).fill(0);
    input[0] = 0x11;
    input[1] = 0x22;
    const out = run([[name, { dst: 1, off: 2, imm }], ['EXIT']], { input });
    expect(Buffer.from(out.output.subarray(0, 8)).toString('hex')).toBe(hex);
    expect(out.output.length).toBe(12);
  });

  it.each([
    ['STXB', '8800000000000000'],
    ['STXH', '8877000000000000'],
    ['STXW', '8877665500000000'],
    ['STXDW', '8877665544332211'],
  ] as const)('%s [r1+0], r2', (name: CodeName, hex) => {
    const out = run([ld(2, 0x1122334455667788n), [name, { dst: 1, src: 2 }], ['EXIT']], {
      input: new Uint8Array(8),
    });
    expect(Buffer.from(out.output).toString('hex')).toBe(hex);
  });

  it('stack round trip through r10 at every size', () => {
    const out = run([
      ld(1, 0x0102030405060708n),
      ['STXDW', { dst: 10, src: 1, off: -8 }],
      ['STW', { dst: 10, off: -16, imm: -1 }],
      ['LDXDW', { dst: 0, src: 10, off: -8 }],
      ['LDXW', { dst: 2, src: 10, off: -16 }],
      ['ADD64_X', { dst: 0, src: 2 }],
      ['LDXB', { dst: 2, src: 10, off: -FRAME_SIZE }],
      ['ADD64_X', { dst: 0, src: 2 }],
      ['EXIT'],
    ]);
    expect(out.r0).toBe(0x0102030405060708n + 0xffffffffn);
  });
});

describe('lddw', () => {
  it.each([
    [0x1122334455667788n],
    [0xffffffff00000000n],
    [0x00000000ffffffffn],
    [0x8000000000000000n],
    [0n],
  ])('lddw r0, 0x%s', (v) => {
    expect(run([ld(0, v), ['EXIT']]).r0).toBe(v);
  });
});

describe('legacy packet loads (big-endian)', () => {
  it.each([
    ['LDABSB', 4, 0x85n],
    ['LDABSH', 0, 0x1122n],
    ['LDABSH', 8, 0xc9dan],
    ['LDABSW', 1, 0x22334485n],
    ['LDABSW', 6, 0xa7b8c9dan],
  ] as const)('%s %i', (name: CodeName, imm, expected) => {
    const out = run([ld(0, -1n), [name, { imm }], ['EXIT']], { input: INPUT });
    expect(out.r0).toBe(expected);
  });

  it.each([
    ['LDINDB', 2n, 2, 0x85n],
    ['LDINDH', 1n, 2, 0x4485n],
    ['LDINDW', 8n, -2, 0xa7b8c9dan],
    ['LDINDW', U64(-1n), 1, 0x11223344n], // 64-bit src + imm wraps to offset 0
  ] as const)('%s r2=%s, %i', (name: CodeName, r2, imm, expected) => {
    const out = run([ld(2, r2), [name, { src: 2, imm }], ['EXIT']], { input: INPUT });
    expect(out.r0).toBe(expected);
  });
});

describe('atomics', () => {
  // mem[0..8] = init; r2 = src; r0 = r0In; op [r1+0], r2; then mem[8] = r2 and mem[16] = r0.
  type Row = readonly [CodeName, bigint, bigint, bigint, bigint, bigint, bigint];
  const M = 0x1122334455667788n;
  const rows: Row[] = [
    // code, initial memory, src, r0 before, memory after, src after, r0 after
    ['ATOMIC64_ADD', M, 0x10n, 7n, M + 0x10n, 0x10n, 7n],
    ['ATOMIC64_ADD', 0xffffffffn, 1n, 7n, 0x100000000n, 1n, 7n],
    ['ATOMIC64_FETCH_ADD', M, U64(-1n), 7n, M - 1n, M, 7n],
    ['ATOMIC64_OR', M, 0xf0n, 7n, M | 0xf0n, 0xf0n, 7n],
    ['ATOMIC64_FETCH_OR', M, 0xf000000000000000n, 7n, 0xf122334455667788n, M, 7n],
    ['ATOMIC64_AND', M, 0xffff0000ffff0000n, 7n, 0x1122000055660000n, 0xffff0000ffff0000n, 7n],
    ['ATOMIC64_FETCH_AND', M, 0xffn, 7n, 0x88n, M, 7n],
    ['ATOMIC64_XOR', M, U64(-1n), 7n, U64(~M), U64(-1n), 7n],
    ['ATOMIC64_FETCH_XOR', M, M, 7n, 0n, M, 7n],
    ['ATOMIC64_XCHG', M, 0x99n, 7n, 0x99n, M, 7n],
    ['ATOMIC64_CMPXCHG', M, 0x99n, M, 0x99n, 0x99n, M], // equal: store
    ['ATOMIC64_CMPXCHG', M, 0x99n, M + 1n, M, 0x99n, M], // not equal: only r0 = old
    ['ATOMIC64_CMPXCHG', M, 0x99n, M | (1n << 63n), M, 0x99n, M],
    ['ATOMIC32_ADD', M, 0x10n, 7n, 0x1122334455667798n, 0x10n, 7n],
    ['ATOMIC32_ADD', 0xffffffffn, 1n, 7n, 0n, 1n, 7n], // no carry into the next word
    ['ATOMIC32_FETCH_ADD', M, 0xffffffff_00000001n, 7n, 0x1122334455667789n, 0x55667788n, 7n],
    ['ATOMIC32_OR', M, 0x1_f0000000n, 7n, 0x11223344f5667788n, 0x1_f0000000n, 7n],
    ['ATOMIC32_FETCH_OR', M, 1n, 7n, 0x1122334455667789n, 0x55667788n, 7n],
    ['ATOMIC32_AND', M, 0xff00ff00n, 7n, 0x1122334455007700n, 0xff00ff00n, 7n],
    ['ATOMIC32_FETCH_AND', M, 0n, 7n, 0x1122334400000000n, 0x55667788n, 7n],
    ['ATOMIC32_XOR', M, 0xffffffffn, 7n, 0x11223344aa998877n, 0xffffffffn, 7n],
    ['ATOMIC32_FETCH_XOR', M, 0xffffffffn, 7n, 0x11223344aa998877n, 0x55667788n, 7n],
    ['ATOMIC32_XCHG', M, 0xabcdef_12345678n, 7n, 0x1122334412345678n, 0x55667788n, 7n],
    // cmpxchg32 compares the low 32 bits of r0; r0 gets the old value zero-extended
    ['ATOMIC32_CMPXCHG', M, 0x99n, 0xffff_55667788n, 0x1122334400000099n, 0x99n, 0x55667788n],
    ['ATOMIC32_CMPXCHG', M, 0x99n, 0x55667789n, M, 0x99n, 0x55667788n],
  ];

  it.each(rows.map((row) => [row[0], row] as const))('%s', (_n, row) => {
    const [name, init, src, r0In, memAfter, srcAfter, r0After] = row;
    const input = new Uint8Array(24);
    new DataView(input.buffer).setBigUint64(0, init, true);
    const out = run(
      [
        ld(2, src),
        ld(0, r0In),
        [name, { dst: 1, src: 2, off: 0 }],
        ['STXDW', { dst: 1, src: 2, off: 8 }],
        ['STXDW', { dst: 1, src: 0, off: 16 }],
        ['EXIT'],
      ],
      { input },
    );
    const view = new DataView(out.output.buffer, out.output.byteOffset);
    expect(view.getBigUint64(0, true)).toBe(memAfter);
    expect(view.getBigUint64(8, true)).toBe(srcAfter);
    expect(view.getBigUint64(16, true)).toBe(r0After);
  });

  it('fetch with src == dst register uses the address from before the fetch', () => {
    // r1 = &mem; lock fetch add [r1+0], r1: mem += r1, then r1 = old mem value.
    const out = run(
      [
        ['MOV64_X', { dst: 3, src: 1 }],
        ['ATOMIC64_FETCH_ADD', { dst: 1, src: 1, off: 0 }],
        ['MOV64_X', { dst: 0, src: 1 }],
        ['LDXDW', { dst: 4, src: 3, off: 0 }],
        ['SUB64_X', { dst: 4, src: 3 }],
        ['ADD64_X', { dst: 0, src: 4 }],
        ['EXIT'],
      ],
      { input: bytes(5, 0, 0, 0, 0, 0, 0, 0) },
    );
    expect(out.r0).toBe(10n); // old value 5 + (new value - address) 5
  });
});
