// Accept/reject cases for the verifier, each aimed at one rule. Assembly in the syntax of
// src/isa/asm.ts; `insn` is the slot index the error must name (lddw takes two slots).
// Maps available to every case (lddw %rN, map_idx I):
//   0 array 4/16   1 hash 4/8   2 .rodata 4/16 (read-only)   3 ringbuf   4 prog_array
//   5 array_of_maps (inner: array 4/8)   6 queue 0/4   7 perf_event_array   8 array 4/8
//   9 devmap 4/4   10 cpumap 4/4

import type { MapDef } from '../../src/elf/maps-def.js';
import type { ErrorCode } from '../../src/errors.js';

export interface Case {
  readonly name: string;
  readonly type: string;
  readonly asm: string;
  /** 'ok', or the error code and instruction. */
  readonly expect: 'ok' | readonly [ErrorCode, number];
  readonly maxInsns?: number;
  readonly memSize?: number;
}

const mapDef = (
  name: string,
  type: MapDef['type'],
  typeId: number,
  keySize: number,
  valueSize: number,
  extra: Partial<MapDef> = {},
): MapDef => ({
  name,
  section: '.maps',
  type,
  typeId,
  keySize,
  valueSize,
  maxEntries: 16,
  flags: 0,
  pinning: 0,
  numaNode: 0,
  ...extra,
});

export const MAPS: readonly MapDef[] = [
  mapDef('arr', 'array', 2, 4, 16),
  mapDef('hash', 'hash', 1, 4, 8),
  mapDef('.rodata', 'array', 2, 4, 16, { flags: 0x80, section: '.rodata', maxEntries: 1 }),
  mapDef('rb', 'ringbuf', 27, 0, 0, { maxEntries: 4096 }),
  mapDef('progs', 'prog_array', 3, 4, 4),
  mapDef('outer', 'array_of_maps', 12, 4, 4, { inner: mapDef('inner', 'array', 2, 4, 8) }),
  mapDef('q', 'queue', 22, 0, 4),
  mapDef('events', 'perf_event_array', 4, 4, 4),
  mapDef('arr8', 'array', 2, 4, 8),
  mapDef('devs', 'devmap', 14, 4, 4),
  mapDef('cpus', 'cpumap', 16, 4, 4),
];

/** Look up key 0 in map `m`: 6 slots (0-5), r0 = map_value_or_null afterwards. */
const lookup = (m: number): string => `
  stw [%r10-4], 0
  mov %r2, %r10
  add %r2, -4
  lddw %r1, map_idx ${m}
  call 1`;

/** XDP: r2 = data, r3 = data_end, r4 = data + n; slots 0-3, then `jgt %r4, %r3, out` at 4. */
const pkt = (n: number): string => `
  ldxw %r2, [%r1]
  ldxw %r3, [%r1+4]
  mov %r4, %r2
  add %r4, ${n}
  jgt %r4, %r3, out`;

const OUT = `
out:
  mov %r0, 0
  exit`;

const ok = 'ok' as const;
const X = (code: ErrorCode, insn: number): readonly [ErrorCode, number] => [code, insn];

export const CASES: readonly Case[] = [
  {
    name: 'devmap lookup is allowed and reads the entry',
    type: 'xdp',
    asm: `${lookup(9)}\njeq %r0, 0, out\nldxw %r0, [%r0]\nmov %r0, 2\nexit${OUT}`,
    expect: 'ok',
  },
  {
    name: 'devmap entries are read-only to programs',
    type: 'xdp',
    asm: `${lookup(9)}\njeq %r0, 0, out\nstw [%r0], 1\nmov %r0, 2\nexit${OUT}`,
    expect: X('VERIFY_READONLY', 7),
  },
  {
    name: 'cpumap cannot be looked up',
    type: 'xdp',
    asm: `${lookup(10)}\nmov %r0, 2\nexit`,
    expect: X('VERIFY_HELPER_ARG', 5),
  },
  {
    name: 'devmap cannot be updated from a program',
    type: 'xdp',
    asm: 'stw [%r10-4], 0\nstw [%r10-8], 1\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\nlddw %r1, map_idx 9\ncall 2\nmov %r0, 2\nexit',
    expect: X('VERIFY_HELPER_ARG', 9),
  },
  // ---- structure ----
  { name: 'minimal program', type: 'xdp', asm: 'mov %r0, 0\nexit', expect: ok },
  {
    name: 'unreachable instruction after exit',
    type: 'xdp',
    asm: 'mov %r0, 0\nexit\nmov %r0, 1\nexit',
    expect: X('VERIFY_UNREACHABLE', 2),
  },
  {
    name: 'unreachable code jumped over',
    type: 'xdp',
    asm: 'mov %r0, 0\nja +1\nmov %r0, 1\nexit',
    expect: X('VERIFY_UNREACHABLE', 2),
  },
  { name: 'falls off the end', type: 'xdp', asm: 'mov %r0, 0', expect: X('VERIFY_FALL_OFF', 0) },
  {
    name: 'ends in a conditional jump',
    type: 'xdp',
    asm: 'mov %r0, 0\njeq %r0, 0, -2',
    expect: X('VERIFY_FALL_OFF', 1),
  },
  {
    name: 'subprogram falls into the next one',
    type: 'xdp',
    asm: 'call local f\nexit\nf:\nmov %r0, 1',
    expect: X('VERIFY_FALL_OFF', 2),
  },
  {
    name: 'jump from main into a subprogram',
    type: 'xdp',
    asm: 'mov %r0, 0\njeq %r0, 0, f\ncall local f\nexit\nf:\nmov %r0, 1\nexit',
    expect: X('VERIFY_JUMP_OUT_OF_SUBPROG', 1),
  },
  {
    name: 'jump from a subprogram back into main',
    type: 'xdp',
    asm: 'top:\nmov %r0, 0\ncall local f\nexit\nf:\nmov %r0, 1\nja top',
    expect: X('VERIFY_JUMP_OUT_OF_SUBPROG', 4),
  },
  {
    name: 'direct recursion',
    type: 'xdp',
    asm: 'call local f\nexit\nf:\ncall local f\nmov %r0, 0\nexit',
    expect: X('VERIFY_RECURSION', 2),
  },
  {
    name: 'mutual recursion',
    type: 'xdp',
    asm: 'call local f\nexit\nf:\ncall local g\nexit\ng:\ncall local f\nexit',
    expect: X('VERIFY_RECURSION', 4),
  },
  {
    name: 'call chain of 8 frames',
    type: 'xdp',
    asm:
      'call local f1\nexit\n' +
      [1, 2, 3, 4, 5, 6].map((i) => `f${i}:\ncall local f${i + 1}\nexit`).join('\n') +
      '\nf7:\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'call chain of 9 frames',
    type: 'xdp',
    asm:
      'call local f1\nexit\n' +
      [1, 2, 3, 4, 5, 6, 7].map((i) => `f${i}:\ncall local f${i + 1}\nexit`).join('\n') +
      '\nf8:\nmov %r0, 0\nexit',
    expect: X('VERIFY_CALL_DEPTH', 14),
  },
  {
    name: 'stack of two frames within 512',
    type: 'xdp',
    asm: 'stdw [%r10-256], 0\ncall local f\nmov %r0, 0\nexit\nf:\nstdw [%r10-256], 0\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'combined stack above 512',
    type: 'xdp',
    asm: 'stdw [%r10-264], 0\ncall local f\nmov %r0, 0\nexit\nf:\nstdw [%r10-256], 0\nmov %r0, 0\nexit',
    expect: X('VERIFY_STACK_DEPTH', 1),
  },
  {
    name: 'unused subprogram is unreachable',
    type: 'xdp',
    asm: 'mov %r0, 0\nexit\nf:\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNREACHABLE', 2),
  },
  {
    name: 'backward jump loop with exit',
    type: 'xdp',
    asm: 'mov %r0, 0\nl:\nadd %r0, 1\njlt %r0, 10, l\nexit',
    expect: ok,
  },

  // ---- registers ----
  { name: 'r0 not set at exit', type: 'xdp', asm: 'exit', expect: X('VERIFY_UNINIT_REG', 0) },
  {
    name: 'r0 set on one path only',
    type: 'xdp',
    asm: 'ldxw %r2, [%r1+12]\njeq %r2, 0, +1\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNINIT_REG', 3),
  },
  {
    name: 'uninitialised r2 in add',
    type: 'xdp',
    asm: 'mov %r0, 0\nadd %r0, %r2\nexit',
    expect: X('VERIFY_UNINIT_REG', 1),
  },
  {
    name: 'uninitialised r3 in mov',
    type: 'xdp',
    asm: 'mov %r0, %r3\nexit',
    expect: X('VERIFY_UNINIT_REG', 0),
  },
  {
    name: 'uninitialised dst in add',
    type: 'xdp',
    asm: 'add %r5, 1\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNINIT_REG', 0),
  },
  {
    name: 'uninitialised jump operand',
    type: 'xdp',
    asm: 'mov %r0, 0\njeq %r7, 0, +0\nexit',
    expect: X('VERIFY_UNINIT_REG', 1),
  },
  { name: 'mov32 initialises', type: 'xdp', asm: 'mov32 %r0, 5\nexit', expect: ok },
  {
    name: 'r1-r5 clobbered by a helper call',
    type: 'xdp',
    asm: 'mov %r2, 1\ncall 5\nmov %r0, %r2\nexit',
    expect: X('VERIFY_UNINIT_REG', 2),
  },
  {
    name: 'r6 survives a helper call',
    type: 'xdp',
    asm: 'mov %r6, 1\ncall 5\nmov %r0, %r6\nexit',
    expect: ok,
  },
  {
    name: 'r6 survives a local call',
    type: 'xdp',
    asm: 'mov %r6, 7\ncall local f\nmov %r0, %r6\nexit\nf:\nmov %r6, 1\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'callee cannot read caller r6',
    type: 'xdp',
    asm: 'mov %r6, 7\ncall local f\nexit\nf:\nmov %r0, %r6\nexit',
    expect: X('VERIFY_UNINIT_REG', 3),
  },
  {
    name: 'callee reads its argument r1',
    type: 'xdp',
    asm: 'mov %r1, 7\ncall local f\nexit\nf:\nmov %r0, %r1\nexit',
    expect: ok,
  },
  {
    name: 'r1 clobbered after a local call',
    type: 'xdp',
    asm: 'mov %r1, 7\ncall local f\nmov %r0, %r1\nexit\nf:\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNINIT_REG', 2),
  },
  {
    name: 'callee result in r0',
    type: 'xdp',
    asm: 'call local f\nadd %r0, 1\nexit\nf:\nmov %r0, 2\nexit',
    expect: ok,
  },
  {
    name: 'returning a stack pointer to the caller',
    type: 'xdp',
    asm: 'call local f\nmov %r0, 0\nexit\nf:\nmov %r0, %r10\nexit',
    expect: X('VERIFY_BAD_RETURN', 4),
  },
  {
    name: 'r10 base on every frame',
    type: 'xdp',
    asm: 'call local f\nexit\nf:\nstdw [%r10-8], 1\nldxdw %r0, [%r10-8]\nexit',
    expect: ok,
  },

  // ---- scalars and bounds: indexing a 16-byte map value ----
  ...boundsCases(),

  // ---- pointer arithmetic ----
  {
    name: 'ctx + const then access',
    type: 'xdp',
    asm: 'add %r1, 4\nldxw %r0, [%r1]\nexit',
    expect: X('VERIFY_CTX_ACCESS', 1),
  },
  {
    name: 'ctx + const not accessed is fine',
    type: 'xdp',
    asm: 'add %r1, 4\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'pointer + pointer',
    type: 'xdp',
    asm: 'mov %r2, %r10\nadd %r2, %r10\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'pointer - pointer is a scalar',
    type: 'xdp',
    asm: 'mov %r2, %r10\nsub %r2, %r10\nmov %r0, %r2\nexit',
    expect: ok,
  },
  {
    name: 'scalar - pointer',
    type: 'xdp',
    asm: 'mov %r2, 5\nsub %r2, %r10\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'scalar + pointer is a pointer',
    type: 'xdp',
    asm: 'mov %r2, -8\nadd %r2, %r10\nstdw [%r2], 1\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'pointer * const',
    type: 'xdp',
    asm: 'mov %r2, %r10\nmul %r2, 2\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'pointer & const',
    type: 'xdp',
    asm: 'mov %r2, %r10\nand %r2, -8\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'pointer xor',
    type: 'xdp',
    asm: 'mov %r2, %r10\nxor %r2, 1\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: '32-bit add on a pointer',
    type: 'xdp',
    asm: 'mov %r2, %r10\nadd32 %r2, -8\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'neg of a pointer',
    type: 'xdp',
    asm: 'mov %r2, %r10\nneg %r2\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'byte swap of a pointer',
    type: 'xdp',
    asm: 'mov %r2, %r10\nbe64 %r2\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'mov32 of a pointer gives a scalar',
    type: 'xdp',
    asm: 'mov32 %r2, %r10\nstdw [%r2-8], 0\nmov %r0, 0\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },
  {
    name: 'pointer + unbounded scalar',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r1, [%r0]\nadd %r0, %r1\nmov %r0, 0\nexit${OUT}`,
    expect: X('VERIFY_PTR_ARITH', 8),
  },
  {
    name: 'arithmetic on map_value_or_null',
    type: 'xdp',
    asm: `${lookup(0)}\nadd %r0, 4\nmov %r0, 0\nexit`,
    expect: X('VERIFY_PTR_ARITH', 6),
  },
  {
    name: 'arithmetic on a map pointer',
    type: 'xdp',
    asm: 'lddw %r1, map_idx 0\nadd %r1, 8\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 2),
  },
  {
    name: 'arithmetic on pkt_end',
    type: 'xdp',
    asm: 'ldxw %r3, [%r1+4]\nadd %r3, -1\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 1),
  },
  {
    name: 'pointer + huge constant',
    type: 'xdp',
    asm: 'mov %r2, %r10\nlddw %r3, 0x40000000\nadd %r2, %r3\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 3),
  },
  {
    name: 'sign-extending a pointer',
    type: 'xdp',
    asm: 'movsx3264 %r2, %r10\nmov %r0, 0\nexit',
    expect: X('VERIFY_PTR_ARITH', 0),
  },
  {
    name: 'dereferencing a scalar',
    type: 'xdp',
    asm: 'mov %r2, 4096\nldxw %r0, [%r2]\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },
  {
    name: 'dereferencing a map pointer',
    type: 'xdp',
    asm: 'lddw %r2, map_idx 0\nldxw %r0, [%r2]\nexit',
    expect: X('VERIFY_INVALID_MEM', 2),
  },
  {
    name: 'dereferencing pkt_end',
    type: 'xdp',
    asm: 'ldxw %r3, [%r1+4]\nldxb %r0, [%r3]\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },

  // ---- stack ----
  {
    name: 'store then load 8 bytes',
    type: 'xdp',
    asm: 'stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit',
    expect: ok,
  },
  {
    name: 'load of never written stack',
    type: 'xdp',
    asm: 'ldxdw %r0, [%r10-8]\nexit',
    expect: X('VERIFY_UNINIT_STACK', 0),
  },
  {
    name: 'load partly written stack',
    type: 'xdp',
    asm: 'stw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit',
    expect: X('VERIFY_UNINIT_STACK', 1),
  },
  {
    name: 'store below the frame',
    type: 'xdp',
    asm: 'stdw [%r10-520], 5\nmov %r0, 0\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 0),
  },
  {
    name: 'store at -512 is the lowest valid',
    type: 'xdp',
    asm: 'stdw [%r10-512], 5\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'store above r10',
    type: 'xdp',
    asm: 'stw [%r10], 5\nmov %r0, 0\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 0),
  },
  {
    name: 'store straddling r10',
    type: 'xdp',
    asm: 'stdw [%r10-4], 5\nmov %r0, 0\nexit',
    expect: X('VERIFY_MISALIGNED', 0),
  },
  {
    name: 'misaligned stack store',
    type: 'xdp',
    asm: 'stw [%r10-6], 5\nmov %r0, 0\nexit',
    expect: X('VERIFY_MISALIGNED', 0),
  },
  {
    name: 'misaligned stack load',
    type: 'xdp',
    asm: 'stdw [%r10-16], 0\nstdw [%r10-8], 0\nldxdw %r0, [%r10-12]\nexit',
    expect: X('VERIFY_MISALIGNED', 2),
  },
  {
    name: 'byte stores then word load',
    type: 'xdp',
    asm: 'stb [%r10-4], 1\nstb [%r10-3], 2\nsth [%r10-2], 3\nldxw %r0, [%r10-4]\nexit',
    expect: ok,
  },
  {
    name: 'spilled ctx pointer filled back',
    type: 'xdp',
    asm: 'stxdw [%r10-8], %r1\nldxdw %r2, [%r10-8]\nldxw %r0, [%r2]\nexit',
    expect: ok,
  },
  {
    name: 'spilled ctx pointer, partial fill',
    type: 'xdp',
    asm: 'stxdw [%r10-8], %r1\nldxw %r2, [%r10-8]\nmov %r0, 0\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },
  {
    name: 'spilled pointer overwritten by a scalar',
    type: 'xdp',
    asm: 'stxdw [%r10-8], %r1\nstw [%r10-8], 0\nldxdw %r2, [%r10-8]\nldxw %r0, [%r2]\nexit',
    expect: X('VERIFY_INVALID_MEM', 3),
  },
  {
    name: 'spilled constant keeps its value',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nstdw [%r10-16], 8\nldxdw %r1, [%r10-16]\nadd %r0, %r1\nldxdw %r0, [%r0]\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'spilled bounded scalar keeps bounds',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r1, [%r0]\nand %r1, 7\nstxdw [%r10-16], %r1\nldxdw %r2, [%r10-16]\nadd %r0, %r2\nldxdw %r0, [%r0]\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'stack pointer passed to a callee',
    type: 'xdp',
    asm: 'mov %r1, %r10\nadd %r1, -8\ncall local f\nldxdw %r0, [%r10-8]\nexit\nf:\nstdw [%r1], 3\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'callee reads uninitialised caller stack',
    type: 'xdp',
    asm: 'mov %r1, %r10\nadd %r1, -8\ncall local f\nexit\nf:\nldxdw %r0, [%r1]\nexit',
    expect: X('VERIFY_UNINIT_STACK', 4),
  },
  {
    name: 'variable-offset stack read of written bytes',
    type: 'xdp',
    asm: 'stdw [%r10-16], 0\nstdw [%r10-8], 0\nldxw %r2, [%r1+12]\nand %r2, 8\nmov %r3, %r10\nadd %r3, -16\nadd %r3, %r2\nldxdw %r0, [%r3]\nexit',
    expect: ok,
  },
  {
    name: 'variable-offset stack read of unwritten bytes',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nldxw %r2, [%r1+12]\nand %r2, 8\nmov %r3, %r10\nadd %r3, -16\nadd %r3, %r2\nldxdw %r0, [%r3]\nexit',
    expect: X('VERIFY_UNINIT_STACK', 6),
  },
  {
    name: 'variable-offset stack write out of frame',
    type: 'xdp',
    asm: 'ldxw %r2, [%r1+12]\nand %r2, 1016\nmov %r3, %r10\nadd %r3, -512\nadd %r3, %r2\nstdw [%r3], 0\nmov %r0, 0\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 5),
  },
  {
    name: 'stack read through r10 copy',
    type: 'xdp',
    asm: 'mov %r2, %r10\nstdw [%r2-8], 1\nldxdw %r0, [%r10-8]\nexit',
    expect: ok,
  },
  {
    name: 'zeroed stack read as constant zero',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nstdw [%r10-16], 0\nldxw %r1, [%r10-16]\nadd %r0, %r1\nldxdw %r0, [%r0+8]\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'write through r10 into deep frame slot after call',
    type: 'xdp',
    asm: 'call local f\nldxdw %r0, [%r10-8]\nexit\nf:\nstdw [%r10-8], 0\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNINIT_STACK', 1),
  },

  // ---- context ----
  ...ctxCases(),

  // ---- map values ----
  {
    name: 'lookup, null check, read',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r0, [%r0]\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'lookup without null check',
    type: 'xdp',
    asm: `${lookup(0)}\nldxdw %r0, [%r0]\nexit`,
    expect: X('VERIFY_MAYBE_NULL', 6),
  },
  {
    name: 'null check with jne',
    type: 'xdp',
    asm: `${lookup(0)}\njne %r0, 0, +2\nmov %r0, 0\nexit\nldxdw %r0, [%r0]\nexit`,
    expect: ok,
  },
  {
    name: 'read on the null branch',
    type: 'xdp',
    asm: `${lookup(0)}\njne %r0, 0, +2\nldxdw %r0, [%r0]\nexit\nmov %r0, 0\nexit`,
    expect: X('VERIFY_INVALID_MEM', 7),
  },
  {
    name: 'null check on a copy covers the original',
    type: 'xdp',
    asm: `${lookup(0)}\nmov %r6, %r0\njeq %r6, 0, out\nldxdw %r0, [%r0]\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'null check survives a spill',
    type: 'xdp',
    asm: `${lookup(0)}\nstxdw [%r10-16], %r0\njeq %r0, 0, out\nldxdw %r1, [%r10-16]\nldxdw %r0, [%r1]\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'two lookups, only one checked',
    type: 'xdp',
    asm: `${lookup(0)}\nmov %r6, %r0\n${lookup(0)}\njeq %r0, 0, out\nldxdw %r0, [%r6]\nexit${OUT}`,
    expect: X('VERIFY_MAYBE_NULL', 14),
  },
  {
    name: 'read last 8 bytes of a 16-byte value',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r0, [%r0+8]\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'read past the value',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r0, [%r0+9]\nexit${OUT}`,
    expect: X('VERIFY_OUT_OF_BOUNDS', 7),
  },
  {
    name: 'read before the value',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nldxb %r0, [%r0-1]\nexit${OUT}`,
    expect: X('VERIFY_OUT_OF_BOUNDS', 7),
  },
  {
    name: 'write into a hash value',
    type: 'xdp',
    asm: `${lookup(1)}\njeq %r0, 0, out\nstdw [%r0], 1\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'write past an 8-byte hash value',
    type: 'xdp',
    asm: `${lookup(1)}\njeq %r0, 0, out\nstw [%r0+6], 1\nmov %r0, 0\nexit${OUT}`,
    expect: X('VERIFY_OUT_OF_BOUNDS', 7),
  },
  {
    name: 'read of read-only .rodata',
    type: 'xdp',
    asm: 'lddw %r1, map_idx_value 0x400000002\nldxw %r0, [%r1]\nexit',
    expect: ok,
  },
  {
    name: 'write into read-only .rodata',
    type: 'xdp',
    asm: 'lddw %r1, map_idx_value 0x2\nstw [%r1], 1\nmov %r0, 0\nexit',
    expect: X('VERIFY_READONLY', 2),
  },
  {
    name: 'atomic add into read-only map value',
    type: 'xdp',
    asm: `${lookup(2)}\njeq %r0, 0, out\nmov %r1, 1\nlock add [%r0], %r1\nmov %r0, 0\nexit${OUT}`,
    expect: X('VERIFY_READONLY', 8),
  },
  {
    name: 'global data pointer past the value',
    type: 'xdp',
    asm: 'lddw %r1, map_idx_value 0xc00000002\nldxdw %r0, [%r1]\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 2),
  },
  {
    name: 'lddw of a map index that does not exist',
    type: 'xdp',
    asm: 'lddw %r1, map_idx 99\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNSUPPORTED_INSN', 0),
  },
  {
    name: 'map-in-map lookup then inner lookup',
    type: 'xdp',
    asm: `${lookup(5)}\njeq %r0, 0, out\nmov %r1, %r0\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, out\nldxdw %r0, [%r0]\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'inner value size comes from the inner map',
    type: 'xdp',
    asm: `${lookup(5)}\njeq %r0, 0, out\nmov %r1, %r0\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, out\nldxdw %r0, [%r0+8]\nexit${OUT}`,
    expect: X('VERIFY_OUT_OF_BOUNDS', 12),
  },
  {
    name: 'outer lookup result used unchecked as map',
    type: 'xdp',
    asm: `${lookup(5)}\nmov %r1, %r0\nmov %r2, %r10\nadd %r2, -4\ncall 1\nmov %r0, 0\nexit`,
    expect: X('VERIFY_HELPER_ARG', 9),
  },
  {
    name: 'pointer stored into a map value',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nstxdw [%r0], %r10\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'map value pointer compared to another pointer',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\njeq %r0, %r10, out\nldxdw %r0, [%r0]\nexit${OUT}`,
    expect: ok,
  },

  // ---- packets ----
  ...pktCases(),

  // ---- helpers ----
  ...helperCases(),

  // ---- loops ----
  {
    name: 'bounded counting loop',
    type: 'xdp',
    asm: 'mov %r1, 0\nmov %r0, 0\nl:\nadd %r0, %r1\nadd %r1, 1\njlt %r1, 100, l\nexit',
    expect: ok,
  },
  {
    name: 'loop with a jmp32 bound',
    type: 'xdp',
    asm: 'mov32 %r1, 0\nmov %r0, 0\nl:\nadd %r0, 3\nadd32 %r1, 1\njlt32 %r1, 50, l\nexit',
    expect: ok,
  },
  {
    name: 'infinite loop without change',
    type: 'xdp',
    asm: 'mov %r0, 0\nl:\nmov %r1, 1\njeq %r0, 0, l\nexit',
    expect: X('VERIFY_INFINITE_LOOP', 1),
  },
  {
    name: 'infinite loop: jump to itself',
    type: 'xdp',
    asm: 'mov %r0, 0\nl:\njeq %r0, 0, l\nexit',
    expect: X('VERIFY_INFINITE_LOOP', 1),
  },
  {
    name: 'loop on an unknown bound never ends for the verifier',
    type: 'xdp',
    asm: 'ldxw %r2, [%r1]\nmov %r0, 0\nl:\nadd %r0, 1\njne %r0, %r2, l\nexit',
    expect: X('VERIFY_TOO_COMPLEX', 2),
    maxInsns: 5000,
  },
  {
    name: 'counting loop beyond the complexity limit',
    type: 'xdp',
    asm: 'mov %r1, 0\nl:\nadd %r1, 1\njlt %r1, 100000, l\nmov %r0, 0\nexit',
    expect: X('VERIFY_TOO_COMPLEX', 2),
    maxInsns: 10000,
  },
  {
    name: 'loop indexing a map value stays in bounds',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nmov %r1, 0\nl:\nmov %r2, %r0\nadd %r2, %r1\nstb [%r2], 0\nadd %r1, 1\njlt %r1, 16, l\nmov %r0, 0\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'loop indexing one byte too far',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nmov %r1, 0\nl:\nmov %r2, %r0\nadd %r2, %r1\nstb [%r2], 0\nadd %r1, 1\njle %r1, 16, l\nmov %r0, 0\nexit${OUT}`,
    expect: X('VERIFY_OUT_OF_BOUNDS', 10),
  },
  {
    name: 'bpf_loop with a callback',
    type: 'xdp',
    asm: 'mov %r1, 10\nlddw %r2, func 5\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'bpf_loop callback returning 2',
    type: 'xdp',
    asm: 'mov %r1, 10\nlddw %r2, func 5\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit\nmov %r0, 2\nexit',
    expect: X('VERIFY_BAD_RETURN', 8),
  },
  {
    name: 'bpf_loop callback counting on the caller stack',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nmov %r1, 10\nlddw %r2, func 7\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\nldxdw %r0, [%r10-8]\nexit\nldxdw %r3, [%r2]\nadd %r3, 1\nstxdw [%r2], %r3\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'bpf_loop callback reading past the ctx it gets',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nmov %r1, 10\nlddw %r2, func 7\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\ncall 181\nmov %r0, 0\nexit\nldxdw %r3, [%r2+8]\nmov %r0, 0\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 10),
  },
  {
    name: 'bpf_loop with a scalar as callback',
    type: 'xdp',
    asm: 'mov %r1, 10\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit',
    expect: X('VERIFY_HELPER_ARG', 4),
  },

  // ---- atomics and legacy packet loads ----
  {
    name: 'atomic add on the stack',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nmov %r1, 1\nlock add [%r10-8], %r1\nmov %r0, 0\nexit',
    expect: ok,
  },
  {
    name: 'atomic on uninitialised stack',
    type: 'xdp',
    asm: 'mov %r1, 1\nlock add [%r10-8], %r1\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNINIT_STACK', 1),
  },
  {
    name: 'atomic fetch add writes src',
    type: 'xdp',
    asm: `${lookup(0)}\njeq %r0, 0, out\nmov %r1, 1\nlock fetch add [%r0], %r1\nmov %r0, %r1\nexit${OUT}`,
    expect: ok,
  },
  {
    name: 'cmpxchg needs r0',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nmov %r1, 1\nlock cmpxchg [%r10-8], %r1\nexit',
    expect: X('VERIFY_UNINIT_REG', 2),
  },
  {
    name: 'cmpxchg sets r0',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nmov %r1, 1\nmov %r0, 0\nlock cmpxchg [%r10-8], %r1\nexit',
    expect: ok,
  },
  {
    name: 'atomic on the context',
    type: 'sched_cls',
    asm: 'mov %r2, 1\nlock add32 [%r1+8], %r2\nmov %r0, 0\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },
  {
    name: 'atomic storing a pointer',
    type: 'xdp',
    asm: 'stdw [%r10-8], 0\nlock add [%r10-8], %r10\nmov %r0, 0\nexit',
    expect: X('VERIFY_INVALID_MEM', 1),
  },
  {
    name: 'ldabs in a socket filter',
    type: 'socket_filter',
    asm: 'mov %r6, %r1\nldabsb 23\nexit',
    expect: ok,
  },
  {
    name: 'ldind in a socket filter',
    type: 'socket_filter',
    asm: 'mov %r6, %r1\nmov %r7, 14\nldindh %r7, 0\nexit',
    expect: ok,
  },
  {
    name: 'ldabs in xdp',
    type: 'xdp',
    asm: 'mov %r6, %r1\nldabsb 23\nexit',
    expect: X('VERIFY_UNSUPPORTED_INSN', 1),
  },
  {
    name: 'ldabs without ctx in r6',
    type: 'socket_filter',
    asm: 'mov %r6, 0\nldabsb 23\nexit',
    expect: X('VERIFY_UNSUPPORTED_INSN', 1),
  },
  {
    name: 'ldabs clobbers r1-r5',
    type: 'socket_filter',
    asm: 'mov %r6, %r1\nmov %r2, 1\nldabsb 23\nmov %r0, %r2\nexit',
    expect: X('VERIFY_UNINIT_REG', 3),
  },
  {
    name: 'callx to a known helper id is checked like call',
    type: 'xdp',
    asm: 'mov %r2, 5\ncall %r2\nmov %r0, 0\nexit',
    expect: 'ok',
  },
  {
    name: 'callx through a computed id is refused',
    type: 'xdp',
    asm: 'ldxw %r2, [%r1+0]\ncall %r2\nmov %r0, 0\nexit',
    expect: X('VERIFY_UNSUPPORTED_INSN', 1),
  },
  {
    name: 'callx to map_lookup_elem checks its arguments',
    type: 'xdp',
    asm: 'mov %r3, 1\nmov %r1, 0\ncall %r3\nmov %r0, 0\nexit',
    expect: X('VERIFY_HELPER_ARG', 2),
  },

  // ---- raw memory programs (no context; r1 = memory, r2 = its size) ----
  {
    name: 'raw memory read inside',
    type: 'unspec',
    memSize: 16,
    asm: 'ldxdw %r0, [%r1+8]\nexit',
    expect: ok,
  },
  {
    name: 'raw memory read outside',
    type: 'unspec',
    memSize: 16,
    asm: 'ldxdw %r0, [%r1+12]\nexit',
    expect: X('VERIFY_OUT_OF_BOUNDS', 0),
  },
  {
    name: 'raw memory length in r2',
    type: 'unspec',
    memSize: 16,
    asm: 'mov %r0, %r2\nexit',
    expect: ok,
  },
];

/** Bounded and unbounded indexes into the 16-byte value of map 0: ok or out of bounds at 8. */
function boundsCases(): Case[] {
  // After the lookup (slots 0-5) and the null check (6), slot 7 loads an unknown u64 into r1;
  // the case's lines come next, then `add %r0, %r1` and a 1-byte load whose slot is `at`.
  const mk = (name: string, lines: string[], good: boolean, size = 'b'): Case => {
    const at = 8 + lines.length + 1;
    return {
      name: `index: ${name}`,
      type: 'xdp',
      asm: `${lookup(0)}\njeq %r0, 0, out\nldxdw %r1, [%r0]\n${lines.join('\n')}\nadd %r0, %r1\nldx${size} %r0, [%r0]\nexit${OUT}`,
      expect: good
        ? ok
        : X(
            lines.some((l) => l.startsWith('#unb')) ? 'VERIFY_PTR_ARITH' : 'VERIFY_OUT_OF_BOUNDS',
            at,
          ),
    };
  };
  const ptr = (name: string, lines: string[]): Case => ({
    ...mk(name, lines, false),
    expect: X('VERIFY_PTR_ARITH', 8 + lines.length),
  });
  const unb = (name: string, lines: string[]): Case => ({
    ...mk(name, lines, false),
    expect: X('VERIFY_UNBOUNDED_OFFSET', 8 + lines.length + 1),
  });
  return [
    mk('and 15', ['and %r1, 15'], true),
    mk('and 16 (may be 16)', ['and %r1, 16'], false),
    mk('and 15 with 8-byte load', ['and %r1, 15'], false, 'dw'),
    mk('and 7 with 8-byte load', ['and %r1, 7'], true, 'dw'),
    mk('and 8 with 8-byte load', ['and %r1, 8'], true, 'dw'),
    mk('and32 15', ['and32 %r1, 15'], true),
    mk('mod 16', ['mod %r1, 16'], true),
    mk('mod 17', ['mod %r1, 17'], false),
    mk('rsh 60', ['rsh %r1, 60'], true),
    mk('rsh 59', ['rsh %r1, 59'], false),
    mk('rsh32 28', ['rsh32 %r1, 28'], true),
    mk('jgt 15 guard', ['jgt %r1, 15, out'], true),
    mk('jgt 16 guard', ['jgt %r1, 16, out'], false),
    mk('jge 16 guard', ['jge %r1, 16, out'], true),
    mk('jlt 16 taken side', ['jlt %r1, 16, +1', 'ja out'], true),
    mk('jle 15 taken side', ['jle %r1, 15, +1', 'ja out'], true),
    mk('jle 16 taken side', ['jle %r1, 16, +1', 'ja out'], false),
    mk('jne 3 fall-through is 3', ['jne %r1, 3, out'], true),
    ptr('jeq 20 fall-through is unknown', ['jeq %r1, 20, out']),
    mk('reg-reg bound', ['mov %r2, 15', 'jgt %r1, %r2, out'], true),
    mk('reg-reg bound off by one', ['mov %r2, 16', 'jgt %r1, %r2, out'], false),
    ptr('signed guard only', ['jsgt %r1, 15, out']),
    mk('signed guards both sides', ['jsgt %r1, 15, out', 'jslt %r1, 0, out'], true),
    mk('signed upper and jsge 0', ['jsgt %r1, 15, out', 'jsge %r1, 0, +1', 'ja out'], true),
    mk('jmp32 bound on a 32-bit value', ['mov32 %r1, %r1', 'jgt32 %r1, 15, out'], true),
    ptr('jmp32 bound on a 64-bit value', ['jgt32 %r1, 15, out']),
    mk('jset clears nothing', ['and %r1, 31', 'jset %r1, 16, out'], true),
    mk('jset taken side keeps the bit', ['and %r1, 31', 'jset %r1, 16, +1', 'ja out'], false),
    mk('constant index', ['mov %r1, 15'], true),
    mk('constant index 16', ['mov %r1, 16'], false),
    mk('sum of two bounded', ['and %r1, 7', 'mov %r2, %r1', 'add %r1, %r2'], true),
    mk('sum of two bounded too big', ['and %r1, 8', 'mov %r2, %r1', 'add %r1, %r2'], false),
    mk(
      'difference from a constant',
      ['and %r1, 7', 'mov %r2, 15', 'sub %r2, %r1', 'mov %r1, %r2'],
      true,
    ),
    mk('multiply bounded', ['and %r1, 3', 'mul %r1, 5'], true),
    mk('multiply bounded too big', ['and %r1, 3', 'mul %r1, 6'], false),
    mk('lsh bounded', ['and %r1, 3', 'lsh %r1, 2'], true),
    mk('lsh bounded too big', ['and %r1, 3', 'lsh %r1, 3'], false),
    mk('div by constant', ['and %r1, 255', 'div %r1, 16'], true),
    mk('div by constant too big', ['and %r1, 255', 'div %r1, 15'], false),
    mk('or within mask', ['and %r1, 3', 'or %r1, 12'], true),
    mk('or sets a high bit', ['and %r1, 3', 'or %r1, 16'], false),
    mk('xor within mask', ['and %r1, 7', 'xor %r1, 8'], true),
    mk('arsh of a bounded value', ['and %r1, 63', 'arsh %r1, 2'], true),
    mk('byte load is below 256', ['ldxb %r1, [%r0+1]', 'and %r1, 15'], true),
    mk('le16 truncates', ['and %r1, 15', 'le16 %r1'], true),
    mk('be16 of bounded is unknown 16-bit', ['and %r1, 15', 'be16 %r1'], false),
    mk('neg of a negative bound', ['and %r1, 7', 'neg %r1', 'neg %r1'], true),
    mk('movsx of a small value', ['and %r1, 15', 'movsx864 %r1, %r1'], true),
    unb('movsx of a byte may be negative', [
      'and %r1, 255',
      'movsx864 %r1, %r1',
      'jsgt %r1, 15, out',
    ]),
    mk('mov32 keeps the link', ['mov32 %r1, %r1', 'mov32 %r2, %r1', 'jgt %r2, 15, out'], true),
    mk('linked copy bound', ['mov %r2, %r1', 'jgt %r2, 15, out'], true),
    ptr('copy bound then original changed', ['mov %r2, %r1', 'add %r1, 1', 'jgt %r2, 15, out']),
    mk(
      'variable shift by bounded amount',
      ['and %r1, 3', 'mov %r2, 1', 'lsh %r2, %r1', 'mov %r1, %r2'],
      true,
    ),
    mk(
      'variable rsh of a byte',
      ['ldxb %r2, [%r0+1]', 'and %r1, 7', 'add %r1, 4', 'rsh %r2, %r1', 'mov %r1, %r2'],
      true,
    ),
    mk('mod by an unknown value', ['ldxb %r2, [%r0+1]', 'and %r1, 15', 'mod %r1, %r2'], true),
    mk('udiv by zero gives zero', ['and %r1, 15', 'mov %r2, 0', 'div %r1, %r2'], true),
    ptr('unbounded index into a map value', []),
    ptr('index bounded only from above', [
      'jgt %r1, 15, out',
      'sub %r1, 8',
      'lsh %r1, 1',
      'arsh %r1, 1',
      'add %r1, 0',
      'neg %r1',
      'mul %r1, %r1',
    ]),
    unb('negative index possible', ['jsgt %r1, 15, out', 'jslt %r1, -8, out']),
  ];
}

function ctxCases(): Case[] {
  const rd = (_type: string, size: string, off: number): string =>
    `ldx${size} %r0, [%r1${off < 0 ? off : `+${off}`}]\nexit`;
  const wr = (size: string, off: number): string => `st${size} [%r1+${off}], 1\nmov %r0, 0\nexit`;
  return [
    { name: 'xdp: read data', type: 'xdp', asm: rd('xdp', 'w', 0), expect: ok },
    { name: 'xdp: read ingress_ifindex', type: 'xdp', asm: rd('xdp', 'w', 12), expect: ok },
    {
      name: 'xdp: read past the context',
      type: 'xdp',
      asm: rd('xdp', 'w', 64),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'xdp: misaligned read',
      type: 'xdp',
      asm: rd('xdp', 'w', 2),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'xdp: negative offset',
      type: 'xdp',
      asm: rd('xdp', 'w', -4),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    { name: 'xdp: write data', type: 'xdp', asm: wr('w', 0), expect: X('VERIFY_CTX_ACCESS', 0) },
    {
      name: 'xdp: write ingress_ifindex',
      type: 'xdp',
      asm: wr('w', 12),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'xdp: data loaded with 2 bytes',
      type: 'xdp',
      asm: rd('xdp', 'h', 0),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'xdp: data loaded with 8 bytes',
      type: 'xdp',
      asm: rd('xdp', 'dw', 0),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    { name: 'tc: read len', type: 'sched_cls', asm: rd('tc', 'w', 0), expect: ok },
    { name: 'tc: narrow read of protocol', type: 'sched_cls', asm: rd('tc', 'h', 16), expect: ok },
    { name: 'tc: write mark', type: 'sched_cls', asm: wr('w', 8), expect: ok },
    { name: 'tc: write priority', type: 'sched_cls', asm: wr('w', 32), expect: ok },
    { name: 'tc: write cb[2]', type: 'sched_cls', asm: wr('w', 56), expect: ok },
    {
      name: 'tc: write len',
      type: 'sched_cls',
      asm: wr('w', 0),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'tc: write a pointer into mark',
      type: 'sched_cls',
      asm: 'stxw [%r1+8], %r10\nmov %r0, 0\nexit',
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'tc: read family (sk_skb only)',
      type: 'sched_cls',
      asm: rd('tc', 'w', 88),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    { name: 'tc: read tstamp 8 bytes', type: 'sched_cls', asm: rd('tc', 'dw', 152), expect: ok },
    { name: 'socket: read len', type: 'socket_filter', asm: rd('s', 'w', 0), expect: ok },
    { name: 'socket: write cb[0]', type: 'socket_filter', asm: wr('w', 48), expect: ok },
    {
      name: 'socket: write mark',
      type: 'socket_filter',
      asm: wr('w', 8),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'socket: no direct packet access',
      type: 'socket_filter',
      asm: rd('s', 'w', 76),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    { name: 'kprobe: read a register', type: 'kprobe', asm: rd('k', 'dw', 112), expect: ok },
    {
      name: 'kprobe: write a register',
      type: 'kprobe',
      asm: wr('dw', 112),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    {
      name: 'kprobe: past pt_regs',
      type: 'kprobe',
      asm: rd('k', 'dw', 168),
      expect: X('VERIFY_CTX_ACCESS', 0),
    },
    { name: 'tracepoint: read a field', type: 'tracepoint', asm: rd('t', 'dw', 16), expect: ok },
    {
      name: 'ctx through a spilled copy',
      type: 'xdp',
      asm: 'stxdw [%r10-8], %r1\nldxdw %r6, [%r10-8]\nldxw %r0, [%r6+12]\nexit',
      expect: ok,
    },
    {
      name: 'ctx with a variable offset',
      type: 'xdp',
      asm: 'ldxw %r2, [%r1+12]\nand %r2, 4\nadd %r1, %r2\nldxw %r0, [%r1]\nexit',
      expect: X('VERIFY_CTX_ACCESS', 3),
    },
  ];
}

function pktCases(): Case[] {
  const P = (
    name: string,
    n: number,
    body: string,
    expect: Case['expect'],
    type = 'xdp',
  ): Case => ({
    name: `packet: ${name}`,
    type,
    asm: `${pkt(n)}\n${body}\nmov %r0, 0\nexit${OUT}`,
    expect,
  });
  return [
    P('read inside the checked range', 14, 'ldxh %r5, [%r2+12]', ok),
    P('read just past the checked range', 14, 'ldxh %r5, [%r2+13]', X('VERIFY_OUT_OF_BOUNDS', 5)),
    P('read without any check', 0, 'ldxb %r5, [%r2]', X('VERIFY_OUT_OF_BOUNDS', 5)),
    P('write inside the range', 14, 'stb [%r2+13], 1', ok),
    P('read through the advanced pointer', 14, 'ldxb %r5, [%r4-1]', ok),
    P('read at the advanced pointer', 14, 'ldxb %r5, [%r4]', X('VERIFY_OUT_OF_BOUNDS', 5)),
    P('negative offset', 14, 'ldxb %r5, [%r2-1]', X('VERIFY_OUT_OF_BOUNDS', 5)),
    P('range learnt only on the safe branch', 14, 'ja +0', ok),
    P(
      'second check extends the range',
      14,
      'mov %r5, %r2\nadd %r5, 34\njgt %r5, %r3, out\nldxw %r5, [%r2+30]',
      ok,
    ),
    P(
      'second check on a new variable offset',
      14,
      'ldxb %r5, [%r2+13]\nand %r5, 15\nmov %r6, %r2\nadd %r6, %r5\nmov %r7, %r6\nadd %r7, 2\njgt %r7, %r3, out\nldxh %r5, [%r6]',
      ok,
    ),
    P(
      'variable pointer without its own check',
      14,
      'ldxb %r5, [%r2+13]\nand %r5, 15\nmov %r6, %r2\nadd %r6, %r5\nldxb %r5, [%r6]',
      X('VERIFY_OUT_OF_BOUNDS', 9),
    ),
    P('atomic on packet', 14, 'mov %r5, 1\nlock add32 [%r2], %r5', X('VERIFY_INVALID_MEM', 6)),
    P(
      'pointer invalidated by adjust_head',
      14,
      'mov %r6, %r2\nmov %r2, 0\ncall 44\nldxb %r5, [%r6]',
      X('VERIFY_INVALID_MEM', 8),
    ),
    P(
      'pointers reloaded after adjust_head',
      14,
      'mov %r6, %r1\nmov %r2, 0\ncall 44\nldxw %r2, [%r6]\nldxw %r3, [%r6+4]\nmov %r4, %r2\nadd %r4, 1\njgt %r4, %r3, out\nldxb %r5, [%r2]',
      ok,
    ),
    {
      name: 'packet: check with data_end on the left',
      type: 'xdp',
      asm:
        'ldxw %r2, [%r1]\nldxw %r3, [%r1+4]\nmov %r4, %r2\nadd %r4, 14\njlt %r3, %r4, out\nldxb %r0, [%r2+13]\nexit' +
        OUT,
      expect: ok,
    },
    {
      name: 'packet: range on the taken side of jle',
      type: 'xdp',
      asm: 'ldxw %r2, [%r1]\nldxw %r3, [%r1+4]\nmov %r4, %r2\nadd %r4, 14\njle %r4, %r3, +2\nmov %r0, 0\nexit\nldxb %r0, [%r2+13]\nexit',
      expect: ok,
    },
    {
      name: 'packet: wrong side of the check',
      type: 'xdp',
      asm: 'ldxw %r2, [%r1]\nldxw %r3, [%r1+4]\nmov %r4, %r2\nadd %r4, 14\njle %r4, %r3, +2\nldxb %r0, [%r2]\nexit\nmov %r0, 0\nexit',
      expect: X('VERIFY_OUT_OF_BOUNDS', 5),
    },
    {
      name: 'packet: jmp32 comparison teaches nothing',
      type: 'xdp',
      asm:
        'ldxw %r2, [%r1]\nldxw %r3, [%r1+4]\nmov %r4, %r2\nadd %r4, 14\njgt32 %r4, %r3, out\nldxb %r0, [%r2]\nexit' +
        OUT,
      expect: X('VERIFY_OUT_OF_BOUNDS', 5),
    },
    {
      name: 'packet: data_meta checked against data',
      type: 'xdp',
      asm:
        'ldxw %r2, [%r1+8]\nldxw %r3, [%r1]\nmov %r4, %r2\nadd %r4, 4\njgt %r4, %r3, out\nldxw %r0, [%r2]\nexit' +
        OUT,
      expect: ok,
    },
    {
      name: 'packet: data_meta unchecked',
      type: 'xdp',
      asm: 'ldxw %r2, [%r1+8]\nldxw %r0, [%r2]\nexit',
      expect: X('VERIFY_OUT_OF_BOUNDS', 1),
    },
    P('tc direct packet access', 14, 'ldxb %r5, [%r2]', ok),
    {
      name: 'packet: tc data and data_end',
      type: 'sched_cls',
      asm:
        'ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nmov %r4, %r2\nadd %r4, 14\njgt %r4, %r3, out\nldxb %r0, [%r2+12]\nexit' +
        OUT,
      expect: ok,
    },
    {
      name: 'packet: tc store then l3_csum_replace invalidates',
      type: 'sched_cls',
      asm:
        'mov %r6, %r1\nldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nmov %r4, %r2\nadd %r4, 14\njgt %r4, %r3, out\nmov %r7, %r2\nmov %r1, %r6\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\nmov %r5, 0\ncall 10\nldxb %r0, [%r7]\nexit' +
        OUT,
      expect: X('VERIFY_INVALID_MEM', 13),
    },
    P('compare two packet pointers both ways', 14, 'jgt %r2, %r4, out\nldxb %r5, [%r2+1]', ok),
    P(
      'packet pointer + unbounded scalar',
      14,
      'ldxw %r5, [%r1+12]\nlsh %r5, 32\narsh %r5, 32\nadd %r2, %r5',
      X('VERIFY_PTR_ARITH', 8),
    ),
  ];
}

function helperCases(): Case[] {
  const H = (name: string, asm: string, expect: Case['expect'], type = 'xdp'): Case => ({
    name: `helper: ${name}`,
    type,
    asm,
    expect,
  });
  return [
    H('unknown helper id', 'call 9999\nmov %r0, 0\nexit', X('VERIFY_UNKNOWN_HELPER', 0)),
    H('helper with no args', 'call 5\nexit', ok),
    H(
      'lookup with a scalar as map',
      'mov %r1, 0\nmov %r2, %r10\nadd %r2, -4\nstw [%r10-4], 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'lookup with an uninitialised key',
      'mov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_UNINIT_STACK', 4),
    ),
    H(
      'lookup with a key partly initialised',
      'sth [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_UNINIT_STACK', 5),
    ),
    H(
      'lookup with key past the frame',
      'mov %r2, %r10\nadd %r2, -2\nlddw %r1, map_idx 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_OUT_OF_BOUNDS', 4),
    ),
    H(
      'lookup with a key in a map value',
      `${lookup(0)}\njeq %r0, 0, out\nmov %r2, %r0\nlddw %r1, map_idx 1\ncall 1\nmov %r0, 0\nexit${OUT}`,
      ok,
    ),
    H(
      'lookup with a key in the packet',
      `${pkt(4)}\nmov %r6, %r1\nlddw %r1, map_idx 1\ncall 1\nmov %r0, 0\nexit${OUT}`,
      ok,
    ),
    H(
      'lookup with a too short packet key',
      `${pkt(3)}\nlddw %r1, map_idx 1\ncall 1\nmov %r0, 0\nexit${OUT}`,
      X('VERIFY_OUT_OF_BOUNDS', 7),
    ),
    H(
      'lookup with the ctx as key',
      'mov %r2, %r1\nlddw %r1, map_idx 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 3),
    ),
    H(
      'update with a full value',
      'stw [%r10-4], 0\nstdw [%r10-16], 0\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nlddw %r1, map_idx 1\nmov %r4, 0\ncall 2\nexit',
      ok,
    ),
    H(
      'update with a short value',
      'stw [%r10-4], 0\nstw [%r10-16], 0\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nlddw %r1, map_idx 1\nmov %r4, 0\ncall 2\nexit',
      X('VERIFY_UNINIT_STACK', 9),
    ),
    H(
      'update without flags',
      'stw [%r10-4], 0\nstdw [%r10-16], 0\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nlddw %r1, map_idx 1\ncall 2\nexit',
      X('VERIFY_UNINIT_REG', 8),
    ),
    H('lookup on a ringbuf', `${lookup(3)}\nmov %r0, 0\nexit`, X('VERIFY_HELPER_ARG', 5)),
    H(
      'tail call on a prog array',
      'lddw %r2, map_idx 4\nmov %r3, 0\ncall 12\nmov %r0, 0\nexit',
      ok,
    ),
    H(
      'tail call on an array',
      'lddw %r2, map_idx 0\nmov %r3, 0\ncall 12\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 3),
    ),
    H(
      'tail call with a modified ctx',
      'add %r1, 4\nlddw %r2, map_idx 4\nmov %r3, 0\ncall 12\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'queue pop into the stack',
      'mov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx 6\ncall 88\nldxw %r0, [%r10-4]\nexit',
      ok,
    ),
    H(
      'queue pop on a hash',
      'mov %r2, %r10\nadd %r2, -8\nlddw %r1, map_idx 1\ncall 88\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'trace_printk with a constant size',
      'stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 6\nexit',
      ok,
    ),
    H(
      'trace_printk with size 0',
      'stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 0\ncall 6\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'trace_printk reading past the buffer',
      'stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 16\ncall 6\nexit',
      X('VERIFY_OUT_OF_BOUNDS', 4),
    ),
    H(
      'trace_printk with an unbounded size',
      'stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -8\nldxw %r2, [%r1]\ncall 6\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'get_current_comm fills the stack',
      'mov %r1, %r10\nadd %r1, -16\nmov %r2, 16\ncall 16\nldxdw %r0, [%r10-16]\nexit',
      ok,
      'kprobe',
    ),
    H(
      'probe_read_kernel with a bounded size',
      'ldxdw %r2, [%r1+112]\nand %r2, 15\nmov %r1, %r10\nadd %r1, -16\nmov %r3, 0\ncall 113\nmov %r0, 0\nexit',
      ok,
      'kprobe',
    ),
    H(
      'perf_event_output with ctx and data',
      'stdw [%r10-8], 0\nlddw %r2, map_idx 7\nlddw %r3, 0xffffffff\nmov %r4, %r10\nadd %r4, -8\nmov %r5, 8\ncall 25\nmov %r0, 0\nexit',
      ok,
    ),
    H(
      'perf_event_output on an array',
      'stdw [%r10-8], 0\nlddw %r2, map_idx 0\nmov %r3, 0\nmov %r4, %r10\nadd %r4, -8\nmov %r5, 8\ncall 25\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 7),
    ),
    H(
      'skb_load_bytes in tc',
      'mov %r2, 0\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 16\ncall 26\nldxdw %r0, [%r10-8]\nexit',
      ok,
      'sched_cls',
    ),
    H(
      'skb_load_bytes in xdp',
      'mov %r2, 0\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 16\ncall 26\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_PROG_TYPE', 4),
    ),
    H(
      'xdp_adjust_head in tc',
      'mov %r2, 0\ncall 44\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_PROG_TYPE', 1),
      'sched_cls',
    ),
    H(
      'ringbuf reserve, check, submit',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\nstdw [%r0+8], 1\nmov %r1, %r0\nmov %r2, 0\ncall 132\nmov %r0, 0\nexit' +
        OUT,
      ok,
    ),
    H(
      'ringbuf record never submitted',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\nmov %r0, 0\nexit' +
        OUT,
      X('VERIFY_REF_LEAK', 7),
    ),
    H(
      'ringbuf record written past its size',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\nstdw [%r0+16], 1\nmov %r1, %r0\nmov %r2, 0\ncall 133\nmov %r0, 0\nexit' +
        OUT,
      X('VERIFY_OUT_OF_BOUNDS', 6),
    ),
    H(
      'ringbuf record used after submit',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\nmov %r6, %r0\nmov %r1, %r0\nmov %r2, 0\ncall 132\nstdw [%r6], 1\nmov %r0, 0\nexit' +
        OUT,
      X('VERIFY_UNINIT_REG', 10),
    ),
    H(
      'ringbuf submit before the null check',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\nmov %r1, %r0\nmov %r2, 0\ncall 132\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 7),
    ),
    H(
      'ringbuf reserve with a variable size',
      'ldxw %r2, [%r1]\nlddw %r1, map_idx 3\nmov %r3, 0\ncall 131\nmov %r0, 0\nexit',
      X('VERIFY_HELPER_ARG', 4),
    ),
    H(
      'ringbuf submit of an offset pointer',
      'lddw %r1, map_idx 3\nmov %r2, 16\nmov %r3, 0\ncall 131\njeq %r0, 0, out\nadd %r0, 8\nmov %r1, %r0\nmov %r2, 0\ncall 132\nmov %r0, 0\nexit' +
        OUT,
      X('VERIFY_HELPER_ARG', 9),
    ),
    H(
      'ringbuf_output from the stack',
      'stdw [%r10-8], 0\nlddw %r1, map_idx 3\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\nmov %r4, 0\ncall 130\nexit',
      ok,
    ),
    H(
      'csum_diff with NULL from',
      'stdw [%r10-8], 0\nmov %r1, 0\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 8\nmov %r5, 0\ncall 28\nexit',
      ok,
    ),
    H(
      'map_ptr from lddw used as memory arg',
      'lddw %r1, map_idx 0\nmov %r2, 8\ncall 6\nexit',
      X('VERIFY_HELPER_ARG', 3),
    ),
    H(
      'uninitialised helper argument',
      'lddw %r1, map_idx 0\ncall 1\nmov %r0, 0\nexit',
      X('VERIFY_UNINIT_REG', 2),
    ),
    H(
      'memcpy built-in within bounds',
      'stdw [%r10-8], 0\nmov %r1, %r10\nadd %r1, -16\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\ncall runtime 2\nldxdw %r0, [%r10-16]\nexit',
      ok,
    ),
    H(
      'memcpy built-in from uninitialised stack',
      'mov %r1, %r10\nadd %r1, -16\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\ncall runtime 2\nmov %r0, 0\nexit',
      X('VERIFY_UNINIT_STACK', 5),
    ),
    H(
      'memset built-in past the frame',
      'mov %r1, %r10\nadd %r1, -8\nmov %r2, 0\nmov %r3, 16\ncall runtime 1\nmov %r0, 0\nexit',
      X('VERIFY_OUT_OF_BOUNDS', 4),
    ),
    H('unknown kfunc', 'call runtime 77\nmov %r0, 0\nexit', X('VERIFY_UNSUPPORTED_INSN', 0)),
  ];
}
