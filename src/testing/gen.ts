// Seeded generator of random valid, terminating eBPF programs, for the JIT-vs-interpreter
// differential test and the compile-time benchmark. Internal: not exported from src/index.ts.
//
// Shapes: straight-line ALU/memory/atomic code, if and if-else blocks (with jumps of +0 and early
// exits), dead code behind ja/ja32, three kinds of counted loop with break and continue, irreducible
// two-entry loops, local calls into subprograms placed after main, helper calls by id and callx,
// and the legacy ldabs/ldind loads.
//
// The programs are well-formed by construction, so both engines must agree on every one of them:
// - every register is written before it is read (r1-r5 count as clobbered after any call or
//   legacy load; a subprogram starts with only r1-r5 and r10, because engines may or may not
//   show it the caller's r0 and r6-r9);
// - memory is touched only through r10 (its own 512 B frame, negative offsets), through r9,
//   which every function sets from r1 = the input pointer and never writes again, or through a
//   register just derived from one of them; offsets stay inside the frame or below the input
//   length, and atomics are naturally aligned. Some subprograms also get a pointer into their
//   caller's frame in r2, kept in r8 and likewise read-only;
// - loops count a register that their body does not write, with a trip count of at most 4;
// - subprograms only call higher-numbered ones, so there is no recursion and the call depth
//   stays below the 8 frames of the layout.
// Division by zero, INT_MIN / -1 and shifts of at least the width are defined in eBPF, and the
// generator aims at them on purpose (edge immediates, edge operands set just before an op).

import {
  ALL_INSNS,
  Code,
  type Insn,
  type InsnFields,
  type InsnInfo,
  type Program,
  infoOf,
  makeInsn,
  programOf,
  slotsOf,
} from '../isa/index.js';
import { RunError } from '../errors.js';
import type { HelperFn } from '../runtime/helpers.js';
import { FRAME_SIZE } from '../runtime/layout.js';

// ---- PRNG ----

/** mulberry32: a 32-bit state, good enough statistics for test generation, and tiny. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  /** Uniform 64-bit unsigned integer. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

// ---- edge values ----

const EDGE32 = [
  0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
  0x10000, 31, 32, 63, 64,
] as const;

const EDGE64 = [
  0n,
  1n,
  0xffff_ffff_ffff_ffffn, // -1
  0x8000_0000_0000_0000n, // INT64_MIN
  0x7fff_ffff_ffff_ffffn, // INT64_MAX
  0xffff_ffff_8000_0000n, // INT32_MIN sign-extended
  0x0000_0000_8000_0000n, // INT32_MIN zero-extended
  0x0000_0000_ffff_ffffn,
  0x0000_0001_0000_0000n,
  0x0000_0000_7fff_ffffn,
  0xffff_ffff_0000_0000n,
  0x8000_0000_0000_0001n,
] as const;

function imm32(rng: Rng): number {
  const r = rng.below(10);
  if (r < 4) return rng.pick(EDGE32);
  if (r < 7) return rng.range(-256, 256);
  return rng.u32() | 0;
}

function imm64(rng: Rng): bigint {
  const r = rng.below(10);
  if (r < 4) return rng.pick(EDGE64);
  if (r < 6) return BigInt.asUintN(64, BigInt(imm32(rng)));
  return rng.u64();
}

// ---- helpers the generated programs call ----

/** Helper ids the generator emits calls to; register GEN_HELPERS under these ids. */
export const GenHelper = { MIX: 1, SUM32: 2, PEEK: 3, POKE: 4, FAIL: 5 } as const;

export interface GenHelperDef {
  readonly id: number;
  readonly name: string;
  readonly fn: HelperFn;
}

const M64 = (1n << 64n) - 1n;

/**
 * The helpers generated programs call. All are pure functions of their arguments and memory, so
 * both engines must see the same results. PEEK and POKE take a pointer that the generator keeps
 * in bounds; they check anyway, so a wrong pointer shows up as a trap rather than garbage.
 * FAIL throws (HELPER_FAILED at the call) when the low byte of r1 is below 0x20: generated
 * programs pass it random values, so some runs trap and the trap paths get compared too.
 */
export const GEN_HELPERS: readonly GenHelperDef[] = [
  {
    id: GenHelper.MIX,
    name: 'gen_mix',
    fn: (c) =>
      ((c.arg(1) * 0x9e37_79b9_7f4a_7c15n) ^
        (c.arg(2) + (c.arg(3) << 1n)) ^
        (c.arg(4) - (c.arg(5) >> 3n))) &
      M64,
  },
  {
    id: GenHelper.SUM32,
    name: 'gen_sum32',
    // A number result: the registry sign-extends it, which is a path of its own.
    fn: (c) => (c.i32(1) + c.i32(2) + c.i32(3) + c.i32(4) + c.i32(5)) | 0,
  },
  {
    id: GenHelper.PEEK,
    name: 'gen_peek',
    fn: (c) => {
      const addr = c.u32(1);
      c.memory.check(addr, 8, false, c.pc);
      return c.memory.view.getBigUint64(addr, true);
    },
  },
  {
    id: GenHelper.POKE,
    name: 'gen_poke',
    fn: (c) => {
      const addr = c.u32(1);
      c.memory.check(addr, 4, true, c.pc);
      const old = c.memory.view.getUint32(addr, true);
      c.memory.view.setUint32(addr, c.u32(2), true);
      return old;
    },
  },
  {
    id: GenHelper.FAIL,
    name: 'gen_fail',
    fn: (c) => {
      if ((c.u32(1) & 0xff) < 0x20) {
        throw new RunError('HELPER_FAILED', 'gen_fail: r1 & 0xff < 0x20', { insn: c.pc });
      }
      return c.arg(1) ^ c.arg(2);
    },
  },
];

// ---- options and result ----

export interface GenOptions {
  /**
   * Approximate number of instruction slots of the whole program (main gets about 60%, the
   * subprograms share the rest). Default: random in 8..60. Large values (10k, 100k) are for
   * compile-time benchmarks.
   */
  readonly size?: number;
  /** Most subprograms to emit (default 5; 0 disables local calls). At most 6: 7 frames deep. */
  readonly maxSubprograms?: number;
  /** Emit helper calls (call imm and callx) to GEN_HELPERS (default true). */
  readonly helpers?: boolean;
  /** Emit calls to the FAIL helper, so some runs trap (default true when helpers are on). */
  readonly traps?: boolean;
  /** Emit bounded loops (default true). */
  readonly loops?: boolean;
  /**
   * Also emit irreducible loops (two entries; default true when loops are on). Compilers such as
   * clang do not produce them, so benchmarks of realistic code turn them off.
   */
  readonly irreducible?: boolean;
  /** Input length in bytes (default random in 8..128; at least 8). */
  readonly inputLength?: number;
}

export interface GeneratedProgram {
  readonly program: Program;
  readonly input: Uint8Array;
  /** One line: seed, size, subprograms, input length and the features used. */
  readonly description: string;
}

// ---- instruction tables the generator draws from ----

const byKind = (pred: (i: InsnInfo) => boolean): readonly InsnInfo[] => ALL_INSNS.filter(pred);
const ALU = byKind((i) => i.kind === 'alu');
const COND = byKind((i) => i.form === 'jmp_k' || i.form === 'jmp_x');
const LDX = byKind((i) => i.kind === 'ldx');
const ST = byKind((i) => i.kind === 'st');
const STX = byKind((i) => i.kind === 'stx');
const ATOMIC = byKind((i) => i.kind === 'atomic');
const LEGACY = byKind((i) => i.kind === 'ldabs' || i.kind === 'ldind');
/** Atomics that write their src register (fetch forms and xchg); cmpxchg writes r0 instead. */
const writesSrc = (i: InsnInfo): boolean =>
  i.name.includes('FETCH') || (i.name.endsWith('XCHG') && !i.name.endsWith('CMPXCHG'));
const isCmpxchg = (i: InsnInfo): boolean => i.name.endsWith('CMPXCHG');

const SHIFT_OPS = new Set(['LSH', 'RSH', 'ARSH']);
const DIV_OPS = new Set(['DIV', 'MOD', 'SDIV', 'SMOD']);
const opOf = (i: InsnInfo): string => i.name.replace(/(64|32)?_[KX]$|(64|32)$/, '');

/** r9 holds the input pointer in every function; r10 is the frame pointer. */
const PTR = 9;
const FP = 10;
/** In a subprogram given a pointer into its caller's frame: the register that keeps it. */
const CALLER_PTR = 8;
/** Bytes of the caller's frame such a subprogram may touch. */
const CALLER_AREA = 64;
const BYTES = { 8: 1, 16: 2, 32: 4, 64: 8 } as const;
/** Most instructions one run may execute (a static bound), far below the tests' budget. */
const COST_CAP = 50_000;

// ---- emission with labels ----

type Label = number;
type Item = Emitted | { readonly label: Label };

interface Emitted {
  readonly code: Code;
  readonly fields: InsnFields;
  /** Jump or call target, resolved at layout into `off` or `imm`. */
  readonly target?: Label;
}

/** Per-function generation state. */
interface Fn {
  /** Subprogram index (-1 for main); it may call only higher-numbered subprograms. */
  readonly index: number;
  /** The caller passed a pointer to CALLER_AREA bytes of its own frame in r2; kept in r8. */
  readonly callerPtr: boolean;
  defined: boolean[];
  /** Loop counters of the enclosing loops: read-only to the body. */
  readonly reserved: Set<number>;
  /** The enclosing structured loops, innermost last (targets for break and continue). */
  readonly loops: LoopCtx[];
  /** How many times, at most, the code being emitted runs per call (product of loop trips). */
  mult: number;
  /** Upper bound on the instructions one call of this function executes, so far. */
  cost: number;
}

/** A loop's exit and latch labels, and the register states of the jumps that reach them. */
interface LoopCtx {
  readonly brk: Label;
  readonly cont: Label;
  readonly brkDefined: boolean[][];
  readonly contDefined: boolean[][];
}

class Generator {
  /** The function being generated: its items, in the order they are emitted. */
  items: Item[] = [];
  /** Per function (main = index 0, subprogram i = i + 1): its finished items. */
  readonly functions: Item[][] = [];
  /** The function being generated, whose cost `emit` charges. */
  private cur: Fn | null = null;
  /** Per subprogram: an upper bound on the instructions one call of it executes. */
  readonly costOf: number[] = [];
  private slots = 0;
  private labels = 0;
  readonly features = new Set<string>();
  readonly subLabels: Label[] = [];
  /** Per subprogram: whether it takes a pointer into its caller's frame in r2. */
  readonly subPtr: boolean[] = [];

  constructor(
    readonly rng: Rng,
    readonly opts: Required<Omit<GenOptions, 'size' | 'inputLength'>>,
    readonly inputLength: number,
    /** The requested program size in slots. */
    readonly size: number,
  ) {}

  get emittedSlots(): number {
    return this.slots;
  }

  label(): Label {
    return this.labels++;
  }

  place(label: Label): void {
    this.items.push({ label });
  }

  emit(code: Code, fields: InsnFields = {}, target?: Label): void {
    this.items.push(target === undefined ? { code, fields } : { code, fields, target });
    if (this.cur !== null) this.cur.cost += this.cur.mult;
    this.slots += code === Code.LDDW ? 2 : 1;
  }

  // -- registers --

  /** Make sure `reg` holds a value before it is read (emits a constant load if not). */
  use(f: Fn, reg: number): void {
    if (f.defined[reg]) return;
    this.setConst(f, reg);
  }

  setConst(f: Fn, reg: number): void {
    const rng = this.rng;
    const r = rng.below(4);
    if (r === 0) this.emit(Code.LDDW, { dst: reg, imm64: imm64(rng) });
    else this.emit(r === 1 ? Code.MOV32_K : Code.MOV64_K, { dst: reg, imm: imm32(rng) });
    f.defined[reg] = true;
  }

  /** Set `reg` to an edge value (for the operand of a division, shift or multiply). */
  setEdge(f: Fn, reg: number): void {
    const rng = this.rng;
    if (rng.chance(0.5)) this.emit(Code.LDDW, { dst: reg, imm64: rng.pick(EDGE64) });
    else
      this.emit(rng.chance(0.5) ? Code.MOV64_K : Code.MOV32_K, { dst: reg, imm: rng.pick(EDGE32) });
    f.defined[reg] = true;
  }

  writable(f: Fn): number {
    for (;;) {
      const r = this.rng.below(9); // r0-r8
      if (!f.reserved.has(r)) return r;
    }
  }

  /** Any register to read: mostly r0-r8, sometimes the pointers r9/r10 (their values agree). */
  readable(f: Fn): number {
    const r = this.rng.chance(0.05) ? this.rng.pick([PTR, FP]) : this.rng.below(9);
    this.use(f, r);
    return r;
  }

  // -- statements --

  body(f: Fn, count: number, nest: number): void {
    for (let i = 0; i < count; i++) this.statement(f, nest);
  }

  statement(f: Fn, nest: number): void {
    const rng = this.rng;
    const roll = rng.below(100);
    if (roll < 38) return this.alu(f);
    if (roll < 40) return this.legacyLoad(f);
    if (roll < 44) return this.lddw(f);
    if (roll < 53) return this.load(f);
    if (roll < 62) return this.store(f);
    if (roll < 68) return this.atomic(f);
    if (roll < 78 && nest < 3) return this.ifBlock(f, nest);
    if (roll < 81 && f.loops.length > 0) return this.loopEscape(f);
    if (roll < 86 && nest < 3 && this.opts.loops) {
      return this.opts.irreducible && rng.chance(0.25)
        ? this.irreducible(f, nest)
        : this.loop(f, nest);
    }
    if (roll < 91 && this.opts.maxSubprograms > 0) return this.localCall(f);
    if (roll < 96 && this.opts.helpers) return this.helperCall(f);
    if (roll < 98) return this.deadSkip(f);
    return this.alu(f);
  }

  alu(f: Fn): void {
    const rng = this.rng;
    const info = rng.pick(ALU);
    const op = opOf(info);
    const dst = this.writable(f);
    const isMov = op === 'MOV' || op.startsWith('MOVSX');
    const edgy = SHIFT_OPS.has(op) || DIV_OPS.has(op) || op === 'MUL' || op === 'NEG';
    // ALU forms: alu_k (op imm), alu_x (op src, movsx), unary (neg), endian (le/be/bswap).
    if (info.form === 'alu_k') {
      if (!isMov) {
        if (edgy && rng.chance(0.3)) this.setEdge(f, dst);
        else this.use(f, dst);
      }
      this.emit(info.code, { dst, imm: this.immFor(op, info.width) });
    } else if (info.form === 'alu_x') {
      let src: number;
      if (edgy && rng.chance(0.35)) {
        src = this.writable(f);
        this.setEdge(f, src);
      } else {
        src = this.readable(f);
      }
      if (!isMov) {
        if (edgy && src !== dst && rng.chance(0.3)) this.setEdge(f, dst);
        else this.use(f, dst);
      }
      this.emit(info.code, { dst, src });
    } else {
      if (edgy && rng.chance(0.3)) this.setEdge(f, dst);
      else this.use(f, dst);
      this.emit(info.code, info.form === 'endian' ? { dst, imm: rng.pick([16, 32, 64]) } : { dst });
    }
    f.defined[dst] = true;
  }

  immFor(op: string, width: number): number {
    const rng = this.rng;
    if (SHIFT_OPS.has(op)) {
      const r = rng.below(4);
      if (r < 2) return rng.below(width);
      if (r === 2) return rng.pick([width, width + 1, 63, 64, 255, -1, 0x7fffffff]);
      return imm32(rng);
    }
    if (DIV_OPS.has(op)) {
      const r = rng.below(10);
      if (r < 2) return 0;
      if (r < 4) return -1;
      if (r < 5) return 1;
    }
    return imm32(rng);
  }

  /**
   * A legacy packet load (ldabs/ldind) inside the input: r0 = big-endian value. As in the kernel,
   * where these are calls underneath, r1-r5 count as clobbered after it.
   */
  legacyLoad(f: Fn): void {
    const rng = this.rng;
    const info = rng.pick(LEGACY);
    const bytes = BYTES[info.width];
    const at = rng.below(this.inputLength - bytes + 1);
    if (info.kind === 'ldabs') {
      this.emit(info.code, { imm: at });
    } else {
      const reg = this.writable(f);
      const k = rng.below(at + 1);
      this.emit(rng.chance(0.5) ? Code.MOV64_K : Code.MOV32_K, { dst: reg, imm: k });
      f.defined[reg] = true;
      this.emit(info.code, { src: reg, imm: at - k });
    }
    this.clobberAfterCall(f);
    this.features.add('ldabs/ldind');
  }

  lddw(f: Fn): void {
    const dst = this.writable(f);
    this.emit(Code.LDDW, { dst, imm64: imm64(this.rng) });
    f.defined[dst] = true;
  }

  /**
   * A base register and offset for an access of `bytes` bytes: r10 into the own frame, r9 into
   * the input, or a register derived from one of them (`mov t, base; add t, delta`).
   */
  address(f: Fn, bytes: number, aligned: boolean, avoid: number): { base: number; off: number } {
    const rng = this.rng;
    const align = aligned ? bytes : 1;
    if (f.callerPtr && rng.chance(0.3)) {
      // Through r8 into the caller's frame (the area the caller passed).
      return {
        base: CALLER_PTR,
        off: align * rng.below(Math.floor((CALLER_AREA - bytes) / align) + 1),
      };
    }
    const stack = this.inputLength < bytes || rng.chance(0.5);
    const span = stack ? FRAME_SIZE : this.inputLength;
    const at = align * rng.below(Math.floor((span - bytes) / align) + 1);
    const base = stack ? FP : PTR;
    const off = stack ? at - FRAME_SIZE : at;
    if (!rng.chance(0.2)) return { base, off };
    // A computed pointer: exercises address arithmetic on a register that is not r9/r10.
    let t = this.writable(f);
    if (t === avoid) t = avoid === 0 ? 1 : 0;
    if (f.reserved.has(t)) return { base, off };
    const delta = 8 * rng.range(-8, 8);
    this.emit(Code.MOV64_X, { dst: t, src: base });
    this.emit(Code.ADD64_K, { dst: t, imm: delta });
    f.defined[t] = true;
    this.features.add('ptr-arith');
    return { base: t, off: off - delta };
  }

  load(f: Fn): void {
    const info = this.rng.pick(LDX);
    const bytes = BYTES[info.width];
    const dst = this.writable(f);
    const { base, off } = this.address(f, bytes, this.rng.chance(0.7), -1);
    this.emit(info.code, { dst, src: base, off });
    f.defined[dst] = true;
  }

  store(f: Fn): void {
    const rng = this.rng;
    const imm = rng.chance(0.4);
    const info = rng.pick(imm ? ST : STX);
    const bytes = BYTES[info.width];
    if (imm) {
      const { base, off } = this.address(f, bytes, rng.chance(0.7), -1);
      this.emit(info.code, { dst: base, off, imm: imm32(rng) });
    } else {
      const src = this.readable(f);
      const { base, off } = this.address(f, bytes, rng.chance(0.7), src);
      this.emit(info.code, { dst: base, src, off });
    }
  }

  atomic(f: Fn): void {
    const rng = this.rng;
    const info = rng.pick(ATOMIC);
    const bytes = BYTES[info.width];
    const src = writesSrc(info) ? this.writable(f) : this.readable(f);
    this.use(f, src);
    // cmpxchg compares with r0 (never reserved) and writes the old value there.
    if (isCmpxchg(info)) this.use(f, 0);
    const { base, off } = this.address(f, bytes, true, src);
    this.emit(info.code, { dst: base, src, off });
    if (writesSrc(info)) f.defined[src] = true;
    if (isCmpxchg(info)) f.defined[0] = true;
  }

  /** A conditional jump over a block (if), or over two blocks joined by ja (if-else). */
  ifBlock(f: Fn, nest: number): void {
    const rng = this.rng;
    const cond = this.condJump(f);
    const skip = this.label();
    const before = f.defined.slice();
    this.emitCond(cond, skip);
    // An empty body makes a jump of +0: both edges reach the same block (a Relooper hazard).
    if (rng.chance(0.05)) {
      this.place(skip);
      this.features.add('jump+0');
      return;
    }
    this.body(f, rng.range(1, 3), nest + 1);
    if (rng.chance(0.12)) {
      this.exit(f);
      this.features.add('early-exit');
      f.defined = before.slice();
    }
    if (rng.chance(0.35)) {
      const end = this.label();
      this.emit(rng.chance(0.5) ? Code.JA : Code.JA32, {}, end);
      const thenDefined = f.defined;
      this.place(skip);
      f.defined = before.slice();
      this.body(f, rng.range(1, 3), nest + 1);
      this.place(end);
      f.defined = meet(meet(f.defined, thenDefined), before);
    } else {
      this.place(skip);
      f.defined = meet(f.defined, before);
    }
  }

  /** Pick a conditional jump and make its operands defined; emission waits for the label. */
  condJump(f: Fn): { info: InsnInfo; fields: InsnFields } {
    const info = this.rng.pick(COND);
    const dst = this.readable(f);
    if (info.form === 'jmp_x') return { info, fields: { dst, src: this.readable(f) } };
    return { info, fields: { dst, imm: imm32(this.rng) } };
  }

  emitCond(c: { info: InsnInfo; fields: InsnFields }, target: Label): void {
    this.emit(c.info.code, c.fields, target);
  }

  /** A loop on a counter register (r6-r8, which calls preserve), trip count 0-4. */
  loop(f: Fn, nest: number): void {
    const rng = this.rng;
    const free = [6, 7, 8].filter((r) => !f.reserved.has(r));
    if (free.length === 0) return this.alu(f);
    const ctr = rng.pick(free);
    const trips = rng.range(1, 4);
    const before = f.defined.slice();
    const style = rng.below(3);
    f.reserved.add(ctr);
    const mult = f.mult;
    // At most 4 trips (the while form starts its counter at up to 4), plus the final test.
    f.mult *= 5;
    const top = this.label();
    const ctx: LoopCtx = { brk: this.label(), cont: this.label(), brkDefined: [], contDefined: [] };
    if (style === 0) {
      // do { body } while (--ctr != 0), closed by a conditional back edge on ctr.
      this.emit(rng.chance(0.5) ? Code.MOV64_K : Code.MOV32_K, { dst: ctr, imm: trips });
      f.defined[ctr] = true;
      this.place(top);
      this.loopBody(f, nest, ctx);
      // Decrement as sub 1 or add -1.
      if (rng.chance(0.5)) this.emit(Code.SUB64_K, { dst: ctr, imm: 1 });
      else this.emit(rng.chance(0.5) ? Code.ADD64_K : Code.ADD32_K, { dst: ctr, imm: -1 });
      const close = rng.pick([Code.JNE_K, Code.JGT_K, Code.JSGT_K, Code.JNE32_K, Code.JGT32_K]);
      this.emit(close, { dst: ctr, imm: 0 }, top);
    } else if (style === 1) {
      // for (ctr = 0; ctr < trips; ctr++) { body }, compared against a limit.
      this.emit(Code.MOV64_K, { dst: ctr, imm: 0 });
      f.defined[ctr] = true;
      this.place(top);
      this.loopBody(f, nest, ctx);
      this.emit(rng.chance(0.5) ? Code.ADD64_K : Code.ADD32_K, { dst: ctr, imm: 1 });
      const [close, limit] = rng.pick([
        [Code.JLT_K, trips],
        [Code.JSLT_K, trips],
        [Code.JLE_K, trips - 1],
        [Code.JSLE32_K, trips - 1],
        [Code.JNE_K, trips],
        [Code.JLT32_K, trips],
      ] as const);
      this.emit(close, { dst: ctr, imm: limit }, top);
    } else {
      // while (ctr != 0) { body; ctr-- }: the test at the top may skip the body (0 trips).
      this.emit(Code.MOV64_K, { dst: ctr, imm: rng.range(0, 4) });
      f.defined[ctr] = true;
      this.place(top);
      this.emit(
        rng.pick([Code.JEQ_K, Code.JLE_K, Code.JSLE_K, Code.JEQ32_K]),
        { dst: ctr, imm: 0 },
        ctx.brk,
      );
      this.loopBody(f, nest, ctx);
      this.emit(Code.SUB64_K, { dst: ctr, imm: 1 });
      this.emit(rng.chance(0.5) ? Code.JA : Code.JA32, {}, top);
      this.features.add('while');
    }
    this.place(ctx.brk);
    f.mult = mult;
    f.reserved.delete(ctr);
    // The counter stays defined: every path through the loop set it.
    f.defined = ctx.brkDefined.reduce(meet, meet(f.defined, before));
    f.defined[ctr] = true;
    this.features.add('loop');
  }

  /**
   * The loop body, then the latch label (`continue` target). Registers read by later iterations
   * must still be defined at the back edge, on every path that reaches the latch.
   */
  private loopBody(f: Fn, nest: number, ctx: LoopCtx): void {
    const atTop = f.defined.slice();
    f.loops.push(ctx);
    this.body(f, this.rng.range(1, 4), nest + 1);
    f.loops.pop();
    this.place(ctx.cont);
    f.defined = ctx.contDefined.reduce(meet, f.defined);
    this.restore(f, atTop);
  }

  /** Set every register defined in `want` but not now. */
  private restore(f: Fn, want: readonly boolean[]): void {
    want.forEach((d, r) => {
      if (d && !f.defined[r]) this.setConst(f, r);
    });
  }

  /** A conditional break out of, or continue of, one of the enclosing loops. */
  loopEscape(f: Fn): void {
    const ctx = this.rng.pick(f.loops);
    const toBreak = this.rng.chance(0.5);
    const c = this.condJump(f);
    (toBreak ? ctx.brkDefined : ctx.contDefined).push(f.defined.slice());
    this.emitCond(c, toBreak ? ctx.brk : ctx.cont);
    this.features.add(toBreak ? 'break' : 'continue');
  }

  /**
   * An irreducible loop: a cycle A -> B -> A entered both at A (falling in) and at B (a
   * conditional jump over A), so neither block dominates the other. Each pass through B
   * decrements the counter, so it runs at most `trips` times.
   */
  irreducible(f: Fn, nest: number): void {
    const rng = this.rng;
    const free = [6, 7, 8].filter((r) => !f.reserved.has(r));
    if (free.length === 0) return this.alu(f);
    const ctr = rng.pick(free);
    f.reserved.add(ctr);
    this.emit(Code.MOV64_K, { dst: ctr, imm: rng.range(1, 4) });
    f.defined[ctr] = true;
    const mult = f.mult;
    f.mult *= 5;
    const a = this.label();
    const b = this.label();
    const c = this.condJump(f);
    const entry = f.defined.slice();
    this.emitCond(c, b);
    this.place(a);
    this.body(f, rng.range(1, 3), nest + 1);
    this.place(b);
    f.defined = meet(f.defined, entry);
    this.body(f, rng.range(1, 3), nest + 1);
    // The back edge enters A, which assumes the registers defined at the entry jump.
    this.restore(f, entry);
    this.emit(Code.SUB64_K, { dst: ctr, imm: 1 });
    this.emit(rng.pick([Code.JNE_K, Code.JSGT_K, Code.JGT32_K]), { dst: ctr, imm: 0 }, a);
    f.mult = mult;
    f.reserved.delete(ctr);
    f.defined = meet(f.defined, entry);
    this.features.add('irreducible');
  }

  /** Call a subprogram: r1 = input pointer, r2-r5 arguments; r1-r5 are clobbered after. */
  localCall(f: Fn, only?: number): void {
    const rng = this.rng;
    const callees = this.subLabels.length - (f.index + 1);
    if (callees <= 0) return this.alu(f);
    const callee = only ?? f.index + 1 + rng.below(callees);
    const target = this.subLabels[callee] as Label;
    // Keep every run short: calls multiply their callee's cost by the loops around them.
    const cost = f.mult * (this.costOf[callee] as number);
    if (f.cost + cost > COST_CAP) return this.alu(f);
    f.cost += cost;
    this.emit(Code.MOV64_X, { dst: 1, src: PTR });
    for (let r = 2; r <= 5; r++) if (!f.defined[r] || rng.chance(0.3)) this.setConst(f, r);
    if (this.subPtr[callee]) {
      // r2 = a pointer to CALLER_AREA bytes inside this function's own frame.
      const at = 8 * rng.below((FRAME_SIZE - CALLER_AREA) / 8 + 1);
      this.emit(Code.MOV64_X, { dst: 2, src: FP });
      this.emit(Code.ADD64_K, { dst: 2, imm: at - FRAME_SIZE });
      this.features.add('caller-frame');
    }
    this.emit(Code.CALL_LOCAL, {}, target);
    this.clobberAfterCall(f);
    this.features.add('call');
  }

  /** Call a helper by id (call imm) or through a register (callx). */
  helperCall(f: Fn): void {
    const rng = this.rng;
    // FAIL ends the run when it fires: rarer in larger programs, so most of them run through.
    const fail = this.opts.traps && rng.chance(Math.min(0.2, 12 / this.size));
    const id = fail
      ? GenHelper.FAIL
      : rng.pick([GenHelper.MIX, GenHelper.SUM32, GenHelper.PEEK, GenHelper.POKE]);
    if (id === GenHelper.PEEK || id === GenHelper.POKE) {
      // r1 = a pointer to 8 bytes (PEEK) or 4 bytes (POKE) inside the frame or the input.
      const bytes = id === GenHelper.PEEK ? 8 : 4;
      const stack = this.inputLength < bytes || rng.chance(0.5);
      const span = stack ? FRAME_SIZE : this.inputLength;
      const at = rng.below(span - bytes + 1);
      this.emit(Code.MOV64_X, { dst: 1, src: stack ? FP : PTR });
      this.emit(Code.ADD64_K, { dst: 1, imm: stack ? at - FRAME_SIZE : at });
      f.defined[1] = true;
    } else if (!f.defined[1] || rng.chance(0.5)) {
      this.setConst(f, 1);
    }
    for (let r = 2; r <= 5; r++) this.use(f, r);
    if (rng.chance(0.3)) {
      // callx: the id in a register; any register whose value we set now.
      const reg = rng.pick([0, 2, 3, 4, 5, 6, 7, 8].filter((r) => !f.reserved.has(r)));
      this.emit(Code.MOV64_K, { dst: reg, imm: id });
      f.defined[reg] = true;
      this.emit(Code.CALLX, { dst: reg });
      this.features.add('callx');
    } else {
      this.emit(Code.CALL_HELPER, { imm: id });
    }
    this.clobberAfterCall(f);
    this.features.add(`helper${id}`);
  }

  private clobberAfterCall(f: Fn): void {
    for (let r = 1; r <= 5; r++) f.defined[r] = false;
    f.defined[0] = true;
  }

  /** An unconditional jump over dead (but valid) code. */
  deadSkip(f: Fn): void {
    const end = this.label();
    this.emit(this.rng.chance(0.5) ? Code.JA : Code.JA32, {}, end);
    const live = f.defined.slice();
    this.body(f, this.rng.range(1, 2), 3);
    f.defined = live;
    this.place(end);
    this.features.add('dead-code');
  }

  exit(f: Fn): void {
    this.use(f, 0);
    this.emit(Code.EXIT);
  }

  /** One function: prologue (r9 = r1), a body of about `slots` slots, exit. */
  fn(f: Fn, slots: number): void {
    this.items = [];
    this.cur = f;
    this.emit(Code.MOV64_X, { dst: PTR, src: 1 });
    f.defined[PTR] = true;
    if (f.callerPtr) {
      this.emit(Code.MOV64_X, { dst: CALLER_PTR, src: 2 });
      f.defined[CALLER_PTR] = true;
      f.reserved.add(CALLER_PTR);
    }
    const end = this.emittedSlots + slots;
    while (this.emittedSlots < end) this.statement(f, 0);
    // Chain to the next subprogram now and then, so that deep call stacks are common.
    const next = f.index + 1;
    if (next < this.subLabels.length && this.rng.chance(0.6)) this.localCall(f, next);
    this.exit(f);
    this.functions[f.index + 1] = this.items;
    this.cur = null;
    if (f.index >= 0) this.costOf[f.index] = f.cost;
  }

  /** Resolve labels into offsets and build the Program. */
  layout(): Program {
    const items = this.functions.flat();
    const pcOf = new Map<Label, number>();
    let pc = 0;
    for (const it of items) {
      if ('label' in it) pcOf.set(it.label, pc);
      else pc += it.code === Code.LDDW ? 2 : 1;
    }
    const insns: Insn[] = [];
    pc = 0;
    for (const it of items) {
      if ('label' in it) continue;
      let fields = it.fields;
      if (it.target !== undefined) {
        const delta = (pcOf.get(it.target) as number) - (pc + 1);
        const field = infoOf(it.code).imm === 'jump' ? 'imm' : 'off';
        if (field === 'off' && (delta < -0x8000 || delta > 0x7fff)) {
          throw new RunError('UNSUPPORTED', `gen: jump of ${delta} does not fit in off`);
        }
        fields = { ...fields, [field]: delta };
      }
      const insn = makeInsn(it.code, pc, fields);
      insns.push(insn);
      pc += slotsOf(insn);
    }
    return programOf(insns);
  }
}

function meet(a: readonly boolean[], b: readonly boolean[]): boolean[] {
  return a.map((d, r) => d && (b[r] ?? false));
}

function newFn(index: number, callerPtr: boolean, entryDefined: readonly number[]): Fn {
  const defined = new Array<boolean>(11).fill(false);
  for (const r of entryDefined) defined[r] = true;
  defined[FP] = true;
  return { index, callerPtr, defined, reserved: new Set(), loops: [], mult: 1, cost: 0 };
}

/** Generate the program for `seed`. Same seed and options, same program and input. */
export function generateProgram(seed: number, opts: GenOptions = {}): GeneratedProgram {
  const rng = new Rng(seed);
  const inputLength = Math.max(8, opts.inputLength ?? rng.range(8, 128));
  const input = new Uint8Array(inputLength);
  for (let i = 0; i < inputLength; i++) input[i] = rng.below(256);
  const helpers = opts.helpers ?? true;
  const full = {
    maxSubprograms: Math.min(6, Math.max(0, opts.maxSubprograms ?? 5)),
    helpers,
    traps: helpers && (opts.traps ?? true),
    loops: opts.loops ?? true,
    irreducible: (opts.loops ?? true) && (opts.irreducible ?? true),
  };
  const size = opts.size ?? rng.range(8, 60);
  const g = new Generator(rng, full, inputLength, size);
  const subs = full.maxSubprograms === 0 ? 0 : rng.range(0, full.maxSubprograms);
  for (let i = 0; i < subs; i++) {
    g.subLabels.push(g.label());
    g.subPtr.push(rng.chance(0.4));
  }
  // Subprograms first, last one first, so every call site knows the cost of its callee; the
  // layout puts main first all the same. A subprogram sees r1-r5 (its arguments) and its own
  // r10; nothing else is defined. About 40% of the slots go to the subprograms.
  for (let i = subs - 1; i >= 0; i--) {
    const f = newFn(i, g.subPtr[i] ?? false, [1, 2, 3, 4, 5]);
    g.fn(f, Math.max(4, Math.floor((size * 0.4) / subs)));
    (g.functions[i + 1] as Item[]).unshift({ label: g.subLabels[i] as Label });
  }
  // main: r1 = input pointer, r2 = input length.
  g.fn(newFn(-1, false, [1, 2]), subs === 0 ? size : Math.ceil(size * 0.6));
  const program = g.layout();
  const features = [...g.features].sort().join(',');
  return {
    program,
    input,
    description:
      `seed ${seed}: ${program.slots} slots, ${subs} subprograms, input ${inputLength} B` +
      (features === '' ? '' : `, ${features}`),
  };
}
