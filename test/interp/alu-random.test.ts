// Randomized check of the interpreter's ALU and jumps against plain BigInt formulas. The
// interpreter computes most operations on 32-bit halves; this compares it with the obvious
// 64-bit definitions on edge-biased operands (0, ±1, INT_MIN/MAX of both widths, powers of 2).

import { describe, expect, it } from 'vitest';
import { type CodeName, Code, infoOf } from '../../src/isa/index.js';
import { interpEngine } from '../../src/interp/index.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { build } from './harness.js';

const U = (v: bigint): bigint => BigInt.asUintN(64, v);
const S = (v: bigint): bigint => BigInt.asIntN(64, v);
const U32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const S32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const MIN64 = -(1n << 63n);
const MIN32 = -(1n << 31n);

/** Deterministic operands: edges, then xorshift-random values with random widths. */
function operands(count: number): bigint[] {
  const edges = [
    0n,
    1n,
    2n,
    31n,
    32n,
    63n,
    64n,
    0x7fffffffn,
    0x80000000n,
    0xffffffffn,
    0x100000000n,
    0x7fffffffffffffffn,
    1n << 63n,
    U(-1n),
    U(-2n),
    U(-0x80000000n),
    0x1_ffffffffn,
  ];
  const out = [...edges];
  let x = 0x2545f4914f6cdd1dn;
  while (out.length < count) {
    x ^= (x << 13n) & ((1n << 64n) - 1n);
    x ^= x >> 7n;
    x ^= (x << 17n) & ((1n << 64n) - 1n);
    const bits = BigInt(Number(x & 63n) + 1);
    out.push(U(x >> (64n - bits)) | (x & 1n ? 1n << 63n : 0n));
  }
  return out;
}

type Ref = (a: bigint, b: bigint) => bigint;
const shift = (b: bigint, w: bigint): bigint => b & (w - 1n);

const ALU64: Partial<Record<CodeName, Ref>> = {
  ADD64_X: (a, b) => U(a + b),
  SUB64_X: (a, b) => U(a - b),
  MUL64_X: (a, b) => U(a * b),
  DIV64_X: (a, b) => (b === 0n ? 0n : a / b),
  SDIV64_X: (a, b) => (b === 0n ? 0n : S(a) === MIN64 && S(b) === -1n ? a : U(S(a) / S(b))),
  MOD64_X: (a, b) => (b === 0n ? a : a % b),
  SMOD64_X: (a, b) => (b === 0n ? a : S(b) === -1n ? 0n : U(S(a) % S(b))),
  OR64_X: (a, b) => a | b,
  AND64_X: (a, b) => a & b,
  XOR64_X: (a, b) => a ^ b,
  LSH64_X: (a, b) => U(a << shift(b, 64n)),
  RSH64_X: (a, b) => a >> shift(b, 64n),
  ARSH64_X: (a, b) => U(S(a) >> shift(b, 64n)),
  MOV64_X: (_a, b) => b,
  MOVSX8_64: (_a, b) => U(BigInt.asIntN(8, b)),
  MOVSX16_64: (_a, b) => U(BigInt.asIntN(16, b)),
  MOVSX32_64: (_a, b) => U(S32(b)),
  NEG64: (a) => U(-a),
  ADD32_X: (a, b) => U32(a + b),
  SUB32_X: (a, b) => U32(a - b),
  MUL32_X: (a, b) => U32(a * b),
  DIV32_X: (a, b) => (U32(b) === 0n ? 0n : U32(a) / U32(b)),
  SDIV32_X: (a, b) =>
    S32(b) === 0n ? 0n : S32(a) === MIN32 && S32(b) === -1n ? U32(a) : U32(S32(a) / S32(b)),
  MOD32_X: (a, b) => (U32(b) === 0n ? U32(a) : U32(a) % U32(b)),
  SMOD32_X: (a, b) => (S32(b) === 0n ? U32(a) : S32(b) === -1n ? 0n : U32(S32(a) % S32(b))),
  OR32_X: (a, b) => U32(a | b),
  AND32_X: (a, b) => U32(a & b),
  XOR32_X: (a, b) => U32(a ^ b),
  LSH32_X: (a, b) => U32(a << shift(b, 32n)),
  RSH32_X: (a, b) => U32(a) >> shift(b, 32n),
  ARSH32_X: (a, b) => U32(S32(a) >> shift(b, 32n)),
  MOV32_X: (_a, b) => U32(b),
  MOVSX8_32: (_a, b) => U32(BigInt.asIntN(8, b)),
  MOVSX16_32: (_a, b) => U32(BigInt.asIntN(16, b)),
  NEG32: (a) => U32(-a),
};

type Pred = (a: bigint, b: bigint) => boolean;
const JMP: Partial<Record<CodeName, Pred>> = {
  JEQ_X: (a, b) => a === b,
  JNE_X: (a, b) => a !== b,
  JSET_X: (a, b) => (a & b) !== 0n,
  JGT_X: (a, b) => a > b,
  JGE_X: (a, b) => a >= b,
  JLT_X: (a, b) => a < b,
  JLE_X: (a, b) => a <= b,
  JSGT_X: (a, b) => S(a) > S(b),
  JSGE_X: (a, b) => S(a) >= S(b),
  JSLT_X: (a, b) => S(a) < S(b),
  JSLE_X: (a, b) => S(a) <= S(b),
  JEQ32_X: (a, b) => U32(a) === U32(b),
  JNE32_X: (a, b) => U32(a) !== U32(b),
  JSET32_X: (a, b) => (a & b & 0xffffffffn) !== 0n,
  JGT32_X: (a, b) => U32(a) > U32(b),
  JGE32_X: (a, b) => U32(a) >= U32(b),
  JLT32_X: (a, b) => U32(a) < U32(b),
  JLE32_X: (a, b) => U32(a) <= U32(b),
  JSGT32_X: (a, b) => S32(a) > S32(b),
  JSGE32_X: (a, b) => S32(a) >= S32(b),
  JSLT32_X: (a, b) => S32(a) < S32(b),
  JSLE32_X: (a, b) => S32(a) <= S32(b),
};

const VALUES = operands(48);

/** Prepare `op r0, r3` (or the jump) once, run it for every pair of VALUES. */
function sweep(name: CodeName): Array<[bigint, bigint, bigint]> {
  const unary = infoOf(Code[name]).form === 'unary';
  const isJump = infoOf(Code[name]).kind === 'jmp';
  const body = isJump
    ? ([
        [name, { dst: 0, src: 3, off: 2 }],
        ['MOV64_K', { dst: 0, imm: 0 }],
        ['EXIT'],
        ['MOV64_K', { dst: 0, imm: 1 }],
        ['EXIT'],
      ] as const)
    : ([[name, unary ? { dst: 0 } : { dst: 0, src: 3 }], ['EXIT']] as const);
  const prog = build([
    ['LDXDW', { dst: 0, src: 1, off: 0 }],
    ['LDXDW', { dst: 3, src: 1, off: 8 }],
    ...body,
  ]);
  const memory = new VmMemory();
  const exe = interpEngine.prepare(prog, { memory, helpers: new HelperRegistry(), budget: 100 });
  const input = new Uint8Array(16);
  const view = new DataView(input.buffer);
  const results: Array<[bigint, bigint, bigint]> = [];
  for (const a of VALUES) {
    for (const b of VALUES) {
      view.setBigUint64(0, a, true);
      view.setBigUint64(8, b, true);
      memory.clearStack();
      results.push([a, b, exe.run(memory.setInput(input), 16)]);
    }
  }
  return results;
}

describe('interpreter ALU agrees with BigInt formulas', () => {
  it.each(Object.keys(ALU64) as CodeName[])('%s', (name) => {
    const ref = ALU64[name] as Ref;
    const bad = sweep(name).filter(([a, b, got]) => got !== ref(a, b));
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('interpreter jumps agree with BigInt comparisons', () => {
  it.each(Object.keys(JMP) as CodeName[])('%s', (name) => {
    const ref = JMP[name] as Pred;
    const bad = sweep(name).filter(([a, b, got]) => got !== (ref(a, b) ? 1n : 0n));
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
