// The reference interpreter: exact RFC 9669 / Linux semantics of every instruction, one step at
// a time. It is the oracle the JIT is checked against, the benchmark baseline and the tracer.
//
// Representation. Registers live in one ArrayBuffer viewed as a Uint32Array (r`n` is the pair
// [2n] low, [2n+1] high) and as Big(U)Int64Array. Most instructions run on the 32-bit halves with
// plain numbers and allocate nothing; mul/div/mod 64 use the BigInt views (BigUint64Array stores
// wrap modulo 2^64 by themselves). Instruction fields are unpacked at prepare time into typed
// columns, and jump targets into instruction indexes, so the loop reads only typed arrays.
//
// Helper calls (`call imm`, callx with the id in the low 32 bits of dst): r1-r5 are written to
// ARGS_SLOT, r0 gets the result, and r1-r5 keep their values. The ABI says they are clobbered,
// so a correct program never reads them after a call (the verifier rejects one that does);
// keeping them is the cheapest deterministic choice, and the JIT must make the same one so the
// engines agree bit for bit even on unverified programs. The legacy ldabs/ldind likewise only
// write r0.
//
// The `switch` below is one case per Code. V8 compiles a switch over sparse values into a chain
// of comparisons, so the cases are ordered by how often compiled programs use them.
//
// Local calls push a frame: the return index and r6-r9 are saved, the callee runs with
// r10 = frameTop(depth + 1); `exit` in a callee restores them. At most MAX_FRAMES frames.
//
// Callbacks (bpf_loop): a helper calls HelperCall.callback, which runs the callee re-entrantly
// (`exec` with the callee's frame as the base, returning at its `exit`) on the same registers,
// saved before and restored after. `lddw rX, func <rel>` loads the callee's entry slot index.
//
// Tail calls: a call to helper 12 is armed like compiled code's (src/runtime/object/tail-call.ts);
// when bpf_tail_call records the call instead of throwing, `exec` returns at once, from any call
// depth, and the object's run loop starts the target. Inside a callback the helper throws.

import { RunError, assertNever } from '../errors.js';
import { checkTargets } from '../isa/decode.js';
import { NUM_REGS, type Program } from '../isa/insn.js';
import { Code, LddwSrc } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import type { Engine, ExecEnv, Executable, PrepareOptions, TraceSink } from '../runtime/engine.js';
import { HelperCall, callbackTarget } from '../runtime/helpers.js';
import { idOf } from '../runtime/helpers/ids.js';
import {
  ARGS_SLOT,
  MAX_FRAMES,
  TAIL_CALL_SLOT,
  TailCallWord,
  frameTop,
} from '../runtime/layout.js';
import {
  add64,
  arsh64,
  bswap16,
  bswap32,
  cmpS,
  cmpS32,
  cmpU,
  cmpU32,
  lsh64,
  rsh64,
  setS32,
  sub64,
} from './alu.js';
import { atomic32, atomic64 } from './atomic.js';
import { runBuiltin } from './builtins.js';
import { MemAccess } from './mem.js';

/** bpf_tail_call's helper id (linux/bpf.h). */
const TAIL_CALL_HELPER = idOf('tail_call');

/** The interpreter as an Engine: preparing unpacks the program; nothing is compiled. */
export const interpEngine: Engine = {
  name: 'interp',
  prepare(program: Program, env: ExecEnv, opts: PrepareOptions = {}): Executable {
    return new Interpreter(program, env, opts.packetFaultExits ?? false);
  },
};

/** Register pair indexes of r6 (first callee-saved) and r10 (frame pointer). */
const R6 = 12;
const R10 = 20;
/** Bit 3 of an ALU/JMP opcode: the operand is a register (X) rather than imm (K). */
const SRC_X = 0x08;

class Interpreter implements Executable {
  executed = 0;
  private readonly regBuf = new ArrayBuffer(NUM_REGS * 8);
  private readonly r = new Uint32Array(this.regBuf);
  private readonly u64 = new BigUint64Array(this.regBuf);
  private readonly s64 = new BigInt64Array(this.regBuf);
  /** Register snapshot before the current instruction (tracing only). */
  private readonly prev = new Uint32Array(NUM_REGS * 2);

  // Instruction columns, indexed by instruction (not slot) index.
  private readonly codes: Uint16Array;
  /** dst * 2 and src * 2: the index of the register's low half in `r`. */
  private readonly d2s: Uint8Array;
  private readonly s2s: Uint8Array;
  private readonly offs: Int32Array;
  private readonly imms: Int32Array;
  /** High half of the 64-bit immediate (sign of imm, or lddw's upper word). */
  private readonly immHi: Uint32Array;
  /** The 64-bit immediate as BigInt, unsigned and signed views of the same bits. */
  private readonly k64: BigUint64Array;
  private readonly ks64: BigInt64Array;
  /** Instruction index a jump or local call goes to; -1 for other instructions. */
  private readonly tgt: Int32Array;
  /** Slot index of each instruction, for errors and traces. */
  private readonly pcs: Int32Array;

  // Call frames: return index and r6-r9 (8 halves) of each caller.
  private readonly retIdx = new Int32Array(MAX_FRAMES);
  private readonly saved = new Uint32Array(MAX_FRAMES * 8);
  /** All registers of the frame that made a callback call, by that frame's depth. */
  private readonly cbSaved = new Uint32Array(MAX_FRAMES * NUM_REGS * 2);
  /** Instructions executed so far in this run (kept in a local inside `exec`). */
  private count = 0;
  private readonly indexOfPc: Program['indexOfPc'];
  /** Instruction indexes that start a subprogram (local call targets, lddw func targets, 0). */
  private readonly entries: Uint8Array;

  private readonly mem: MemAccess;
  private readonly call: HelperCall;

  constructor(
    program: Program,
    private readonly env: ExecEnv,
    /** An ld_abs/ld_ind outside the packet ends the program with r0 = 0 (PrepareOptions). */
    private readonly packetFaultExits = false,
  ) {
    checkTargets(program);
    const n = program.insns.length;
    this.codes = new Uint16Array(n);
    this.d2s = new Uint8Array(n);
    this.s2s = new Uint8Array(n);
    this.offs = new Int32Array(n);
    this.imms = new Int32Array(n);
    this.immHi = new Uint32Array(n);
    this.k64 = new BigUint64Array(n);
    this.ks64 = new BigInt64Array(this.k64.buffer);
    this.tgt = new Int32Array(n).fill(-1);
    this.pcs = new Int32Array(n);
    this.indexOfPc = program.indexOfPc;
    this.entries = new Uint8Array(n);
    if (n > 0) this.entries[0] = 1;
    program.insns.forEach((insn, i) => {
      this.codes[i] = insn.code;
      this.d2s[i] = insn.dst * 2;
      this.s2s[i] = insn.src * 2;
      this.offs[i] = insn.off;
      this.imms[i] = insn.imm;
      this.immHi[i] = Number(insn.imm64 >> 32n);
      this.k64[i] = insn.imm64;
      this.pcs[i] = insn.pc;
      const info = infoOf(insn.code);
      if (info.off === 'jump' || info.imm === 'jump') {
        const target = insn.pc + 1 + (info.off === 'jump' ? insn.off : insn.imm);
        this.tgt[i] = program.indexOfPc[target] ?? -1;
        if (insn.code === Code.CALL_LOCAL && this.tgt[i]! >= 0) this.entries[this.tgt[i]!] = 1;
      }
      if (insn.code === Code.LDDW && insn.src === LddwSrc.FUNC) {
        // A function pointer: the callee's entry slot index (see CallbackHook).
        const target = callbackTarget(insn.pc, insn.imm);
        this.imms[i] = target;
        this.immHi[i] = 0;
        this.k64[i] = BigInt(target);
        const idx = program.indexOfPc[target];
        if (idx !== undefined && idx >= 0) this.entries[idx] = 1;
      }
    });
    this.mem = new MemAccess(env.memory);
    this.call = new HelperCall(env.memory);
    this.call.callback = (fnPc, a1, a2, a3, a4, a5) => this.callback(fnPc, a1, a2, a3, a4, a5);
  }

  run(r1: number, r2: number): bigint {
    const { r, mem } = this;
    r.fill(0);
    r[2] = r1 >>> 0;
    r[4] = r2 >>> 0;
    r[R10] = frameTop(0);
    mem.depth = 0;
    mem.reset();
    this.count = 0;
    try {
      return this.exec(0, 0);
    } finally {
      this.executed = this.count;
    }
  }

  /**
   * Execute from instruction `start` until `exit` at call depth `base` (0 for the program, the
   * callee's depth for a callback); returns r0. Updates `this.count`.
   */
  private exec(start: number, base: number): bigint {
    const { r, u64, s64, codes, d2s, s2s, offs, imms, immHi, k64, ks64, tgt, pcs, mem } = this;
    const budget = this.env.budget;
    const trace = this.env.trace;
    const n = codes.length;
    // A packet load fault ends the program here with r0 = 0 (not inside a callback's exec).
    const soft = this.packetFaultExits && base === 0;
    let count = this.count;
    let i = start;
    try {
      for (;;) {
        if (i >= n) {
          throw new RunError('FELL_OFF_END', 'execution ran past the last instruction', {
            insn: pcs[n - 1],
          });
        }
        if (count >= budget) {
          throw new RunError('BUDGET_EXHAUSTED', `instruction budget of ${budget} exhausted`, {
            insn: pcs[i],
          });
        }
        count++;
        let atDepth = 0;
        if (trace !== undefined) {
          this.prev.set(r);
          atDepth = mem.depth;
        }
        const cur = i;
        i = cur + 1;
        const code = codes[cur] as Code;
        const d2 = d2s[cur]!;
        const s2 = s2s[cur]!;
        switch (code) {
          // ---- 64-bit moves, the most frequent instructions ----
          case Code.MOV64_K:
            setS32(r, d2, imms[cur]!);
            break;
          case Code.MOV64_X:
            r[d2] = r[s2]!;
            r[d2 + 1] = r[s2 + 1]!;
            break;

          // ---- LDX: loads, zero- or sign-extended ----
          case Code.LDXW: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 4, false, pcs[cur]!);
            r[d2] = mem.dv.getUint32(a, true);
            r[d2 + 1] = 0;
            break;
          }
          case Code.LDXH: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 2, false, pcs[cur]!);
            r[d2] = mem.dv.getUint16(a, true);
            r[d2 + 1] = 0;
            break;
          }
          case Code.LDXB: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 1, false, pcs[cur]!);
            r[d2] = mem.dv.getUint8(a);
            r[d2 + 1] = 0;
            break;
          }
          case Code.LDXDW: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 8, false, pcs[cur]!);
            r[d2] = mem.dv.getUint32(a, true);
            r[d2 + 1] = mem.dv.getUint32(a + 4, true);
            break;
          }
          case Code.LDXSW: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 4, false, pcs[cur]!);
            setS32(r, d2, mem.dv.getInt32(a, true));
            break;
          }
          case Code.LDXSH: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 2, false, pcs[cur]!);
            setS32(r, d2, mem.dv.getInt16(a, true));
            break;
          }
          case Code.LDXSB: {
            const a = mem.ea(r[s2 + 1]!, r[s2]!, offs[cur]!, 1, false, pcs[cur]!);
            setS32(r, d2, mem.dv.getInt8(a));
            break;
          }

          // ---- ST / STX: stores (DataView setters truncate to the size) ----
          case Code.STW:
            mem.dv.setInt32(
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 4, true, pcs[cur]!),
              imms[cur]!,
              true,
            );
            break;
          case Code.STH:
            mem.dv.setInt16(
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 2, true, pcs[cur]!),
              imms[cur]!,
              true,
            );
            break;
          case Code.STB:
            mem.dv.setInt8(mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 1, true, pcs[cur]!), imms[cur]!);
            break;
          case Code.STDW: {
            const a = mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 8, true, pcs[cur]!);
            mem.dv.setInt32(a, imms[cur]!, true);
            mem.dv.setUint32(a + 4, immHi[cur]!, true);
            break;
          }
          case Code.STXW:
            mem.dv.setUint32(
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 4, true, pcs[cur]!),
              r[s2]!,
              true,
            );
            break;
          case Code.STXH:
            mem.dv.setUint16(
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 2, true, pcs[cur]!),
              r[s2]!,
              true,
            );
            break;
          case Code.STXB:
            mem.dv.setUint8(mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 1, true, pcs[cur]!), r[s2]!);
            break;
          case Code.STXDW: {
            const a = mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 8, true, pcs[cur]!);
            mem.dv.setUint32(a, r[s2]!, true);
            mem.dv.setUint32(a + 4, r[s2 + 1]!, true);
            break;
          }

          // ---- JMP: 64-bit compares ----
          case Code.JA:
          case Code.JA32:
            i = tgt[cur]!;
            break;
          case Code.JEQ_K:
            if (r[d2] === imms[cur]! >>> 0 && r[d2 + 1] === immHi[cur]) i = tgt[cur]!;
            break;
          case Code.JEQ_X:
            if (r[d2] === r[s2] && r[d2 + 1] === r[s2 + 1]) i = tgt[cur]!;
            break;
          case Code.JNE_K:
            if (r[d2] !== imms[cur]! >>> 0 || r[d2 + 1] !== immHi[cur]) i = tgt[cur]!;
            break;
          case Code.JNE_X:
            if (r[d2] !== r[s2] || r[d2 + 1] !== r[s2 + 1]) i = tgt[cur]!;
            break;
          case Code.JSET_K:
            if ((r[d2]! & imms[cur]!) !== 0 || (r[d2 + 1]! & immHi[cur]!) !== 0) i = tgt[cur]!;
            break;
          case Code.JSET_X:
            if ((r[d2]! & r[s2]!) !== 0 || (r[d2 + 1]! & r[s2 + 1]!) !== 0) i = tgt[cur]!;
            break;
          case Code.JGT_K:
            if (cmpU(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) > 0) i = tgt[cur]!;
            break;
          case Code.JGT_X:
            if (cmpU(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) > 0) i = tgt[cur]!;
            break;
          case Code.JGE_K:
            if (cmpU(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) >= 0) i = tgt[cur]!;
            break;
          case Code.JGE_X:
            if (cmpU(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) >= 0) i = tgt[cur]!;
            break;
          case Code.JLT_K:
            if (cmpU(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) < 0) i = tgt[cur]!;
            break;
          case Code.JLT_X:
            if (cmpU(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) < 0) i = tgt[cur]!;
            break;
          case Code.JLE_K:
            if (cmpU(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) <= 0) i = tgt[cur]!;
            break;
          case Code.JLE_X:
            if (cmpU(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) <= 0) i = tgt[cur]!;
            break;
          case Code.JSGT_K:
            if (cmpS(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) > 0) i = tgt[cur]!;
            break;
          case Code.JSGT_X:
            if (cmpS(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) > 0) i = tgt[cur]!;
            break;
          case Code.JSGE_K:
            if (cmpS(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) >= 0) i = tgt[cur]!;
            break;
          case Code.JSGE_X:
            if (cmpS(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) >= 0) i = tgt[cur]!;
            break;
          case Code.JSLT_K:
            if (cmpS(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) < 0) i = tgt[cur]!;
            break;
          case Code.JSLT_X:
            if (cmpS(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) < 0) i = tgt[cur]!;
            break;
          case Code.JSLE_K:
            if (cmpS(r[d2 + 1]!, r[d2]!, immHi[cur]!, imms[cur]! >>> 0) <= 0) i = tgt[cur]!;
            break;
          case Code.JSLE_X:
            if (cmpS(r[d2 + 1]!, r[d2]!, r[s2 + 1]!, r[s2]!) <= 0) i = tgt[cur]!;
            break;

          // ---- ALU64 (moves are at the top) ----
          case Code.ADD64_K:
          case Code.ADD64_X:
            if (code & SRC_X) add64(r, d2, r[s2 + 1]!, r[s2]!);
            else add64(r, d2, immHi[cur]!, imms[cur]! >>> 0);
            break;
          case Code.SUB64_K:
          case Code.SUB64_X:
            if (code & SRC_X) sub64(r, d2, r[s2 + 1]!, r[s2]!);
            else sub64(r, d2, immHi[cur]!, imms[cur]! >>> 0);
            break;
          case Code.MUL64_K:
            u64[d2 >> 1] = u64[d2 >> 1]! * k64[cur]!;
            break;
          case Code.MUL64_X:
            u64[d2 >> 1] = u64[d2 >> 1]! * u64[s2 >> 1]!;
            break;
          case Code.DIV64_K:
          case Code.DIV64_X: {
            const b = code & SRC_X ? u64[s2 >> 1]! : k64[cur]!;
            u64[d2 >> 1] = b === 0n ? 0n : u64[d2 >> 1]! / b;
            break;
          }
          case Code.SDIV64_K:
          case Code.SDIV64_X: {
            const b = code & SRC_X ? s64[s2 >> 1]! : ks64[cur]!;
            const a = s64[d2 >> 1]!;
            // INT64_MIN / -1 overflows to INT64_MIN: -a wraps when stored.
            s64[d2 >> 1] = b === 0n ? 0n : b === -1n ? -a : a / b;
            break;
          }
          case Code.MOD64_K:
          case Code.MOD64_X: {
            const b = code & SRC_X ? u64[s2 >> 1]! : k64[cur]!;
            if (b !== 0n) u64[d2 >> 1] = u64[d2 >> 1]! % b;
            break;
          }
          case Code.SMOD64_K:
          case Code.SMOD64_X: {
            const b = code & SRC_X ? s64[s2 >> 1]! : ks64[cur]!;
            // BigInt % truncates, so the result has the dividend's sign, as in C.
            if (b === -1n) s64[d2 >> 1] = 0n;
            else if (b !== 0n) s64[d2 >> 1] = s64[d2 >> 1]! % b;
            break;
          }
          case Code.OR64_K:
            r[d2] = (r[d2]! | imms[cur]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! | immHi[cur]!) >>> 0;
            break;
          case Code.OR64_X:
            r[d2] = (r[d2]! | r[s2]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! | r[s2 + 1]!) >>> 0;
            break;
          case Code.AND64_K:
            r[d2] = (r[d2]! & imms[cur]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! & immHi[cur]!) >>> 0;
            break;
          case Code.AND64_X:
            r[d2] = (r[d2]! & r[s2]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! & r[s2 + 1]!) >>> 0;
            break;
          case Code.XOR64_K:
            r[d2] = (r[d2]! ^ imms[cur]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! ^ immHi[cur]!) >>> 0;
            break;
          case Code.XOR64_X:
            r[d2] = (r[d2]! ^ r[s2]!) >>> 0;
            r[d2 + 1] = (r[d2 + 1]! ^ r[s2 + 1]!) >>> 0;
            break;
          case Code.LSH64_K:
            lsh64(r, d2, imms[cur]! & 63);
            break;
          case Code.LSH64_X:
            lsh64(r, d2, r[s2]! & 63);
            break;
          case Code.RSH64_K:
            rsh64(r, d2, imms[cur]! & 63);
            break;
          case Code.RSH64_X:
            rsh64(r, d2, r[s2]! & 63);
            break;
          case Code.ARSH64_K:
            arsh64(r, d2, imms[cur]! & 63);
            break;
          case Code.ARSH64_X:
            arsh64(r, d2, r[s2]! & 63);
            break;
          case Code.NEG64: {
            const lo = r[d2]!;
            r[d2] = -lo >>> 0;
            r[d2 + 1] = (~r[d2 + 1]! + (lo === 0 ? 1 : 0)) >>> 0;
            break;
          }
          case Code.MOVSX8_64:
            setS32(r, d2, (r[s2]! << 24) >> 24);
            break;
          case Code.MOVSX16_64:
            setS32(r, d2, (r[s2]! << 16) >> 16);
            break;
          case Code.MOVSX32_64:
            setS32(r, d2, r[s2]! | 0);
            break;
          case Code.LE:
            // The host is little-endian: to-LE only truncates to the width.
            if (imms[cur] === 16) r[d2] = r[d2]! & 0xffff;
            if (imms[cur] !== 64) r[d2 + 1] = 0;
            break;
          case Code.BE:
          case Code.BSWAP: {
            const w = imms[cur];
            if (w === 16) r[d2] = bswap16(r[d2]!);
            else if (w === 32) r[d2] = bswap32(r[d2]!);
            else {
              const lo = r[d2]!;
              r[d2] = bswap32(r[d2 + 1]!);
              r[d2 + 1] = bswap32(lo);
              break;
            }
            r[d2 + 1] = 0;
            break;
          }

          // ---- calls and exit ----
          case Code.CALL_HELPER:
            // The count goes through `this` so callbacks run by the helper add to it.
            this.count = count;
            if (this.callHelper(imms[cur]! >>> 0, pcs[cur]!)) {
              // A tail call was recorded: leave the program, every frame of it, at once.
              count = this.count;
              return u64[0]!;
            }
            count = this.count;
            break;
          case Code.CALLX:
            this.count = count;
            if (this.callHelper(r[d2]!, pcs[cur]!)) {
              count = this.count;
              return u64[0]!;
            }
            count = this.count;
            break;
          case Code.CALL_KFUNC:
            // The loader's built-ins (memset/memcpy/memmove/memcmp); other kfuncs are refused.
            u64[0] = runBuiltin(mem, r, imms[cur]!, pcs[cur]!);
            break;
          case Code.CALL_LOCAL:
            i = this.enter(cur, i);
            break;
          case Code.EXIT:
            if (mem.depth === base) {
              if (trace !== undefined) this.emit(trace, cur, atDepth);
              return u64[0]!;
            }
            i = this.leave();
            break;

          // ---- ALU32: compute on the low halves, zero-extend ----
          case Code.ADD32_K:
            r[d2] = (r[d2]! + imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.ADD32_X:
            r[d2] = (r[d2]! + r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.SUB32_K:
            r[d2] = (r[d2]! - imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.SUB32_X:
            r[d2] = (r[d2]! - r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.MUL32_K:
            r[d2] = Math.imul(r[d2]!, imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.MUL32_X:
            r[d2] = Math.imul(r[d2]!, r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.DIV32_K:
          case Code.DIV32_X: {
            const b = code & SRC_X ? r[s2]! : imms[cur]! >>> 0;
            r[d2] = b === 0 ? 0 : (r[d2]! / b) >>> 0;
            r[d2 + 1] = 0;
            break;
          }
          case Code.SDIV32_K:
          case Code.SDIV32_X: {
            const b = code & SRC_X ? r[s2]! | 0 : imms[cur]!;
            // (INT_MIN / -1) | 0 wraps back to INT_MIN; | 0 truncates toward zero.
            r[d2] = b === 0 ? 0 : ((r[d2]! | 0) / b) >>> 0;
            r[d2 + 1] = 0;
            break;
          }
          case Code.MOD32_K:
          case Code.MOD32_X: {
            const b = code & SRC_X ? r[s2]! : imms[cur]! >>> 0;
            if (b !== 0) r[d2] = r[d2]! % b;
            r[d2 + 1] = 0;
            break;
          }
          case Code.SMOD32_K:
          case Code.SMOD32_X: {
            const b = code & SRC_X ? r[s2]! | 0 : imms[cur]!;
            // JS % takes the dividend's sign like C; INT_MIN % -1 is -0, stored as 0.
            if (b !== 0) r[d2] = ((r[d2]! | 0) % b) >>> 0;
            r[d2 + 1] = 0;
            break;
          }
          case Code.OR32_K:
            r[d2] = (r[d2]! | imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.OR32_X:
            r[d2] = (r[d2]! | r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.AND32_K:
            r[d2] = (r[d2]! & imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.AND32_X:
            r[d2] = (r[d2]! & r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.XOR32_K:
            r[d2] = (r[d2]! ^ imms[cur]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.XOR32_X:
            r[d2] = (r[d2]! ^ r[s2]!) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.LSH32_K:
            r[d2] = (r[d2]! << (imms[cur]! & 31)) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.LSH32_X:
            r[d2] = (r[d2]! << (r[s2]! & 31)) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.RSH32_K:
            r[d2] = r[d2]! >>> (imms[cur]! & 31);
            r[d2 + 1] = 0;
            break;
          case Code.RSH32_X:
            r[d2] = r[d2]! >>> (r[s2]! & 31);
            r[d2 + 1] = 0;
            break;
          case Code.ARSH32_K:
            r[d2] = ((r[d2]! | 0) >> (imms[cur]! & 31)) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.ARSH32_X:
            r[d2] = ((r[d2]! | 0) >> (r[s2]! & 31)) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.NEG32:
            r[d2] = -r[d2]! >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.MOV32_K:
            r[d2] = imms[cur]! >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.MOV32_X:
            r[d2] = r[s2]!;
            r[d2 + 1] = 0;
            break;
          case Code.MOVSX8_32:
            r[d2] = ((r[s2]! << 24) >> 24) >>> 0;
            r[d2 + 1] = 0;
            break;
          case Code.MOVSX16_32:
            r[d2] = ((r[s2]! << 16) >> 16) >>> 0;
            r[d2 + 1] = 0;
            break;

          // ---- JMP32: compare the low halves ----
          case Code.JEQ32_K:
            if (r[d2] === imms[cur]! >>> 0) i = tgt[cur]!;
            break;
          case Code.JEQ32_X:
            if (r[d2] === r[s2]) i = tgt[cur]!;
            break;
          case Code.JNE32_K:
            if (r[d2] !== imms[cur]! >>> 0) i = tgt[cur]!;
            break;
          case Code.JNE32_X:
            if (r[d2] !== r[s2]) i = tgt[cur]!;
            break;
          case Code.JSET32_K:
            if ((r[d2]! & imms[cur]!) !== 0) i = tgt[cur]!;
            break;
          case Code.JSET32_X:
            if ((r[d2]! & r[s2]!) !== 0) i = tgt[cur]!;
            break;
          case Code.JGT32_K:
            if (cmpU32(r[d2]!, imms[cur]! >>> 0) > 0) i = tgt[cur]!;
            break;
          case Code.JGT32_X:
            if (cmpU32(r[d2]!, r[s2]!) > 0) i = tgt[cur]!;
            break;
          case Code.JGE32_K:
            if (cmpU32(r[d2]!, imms[cur]! >>> 0) >= 0) i = tgt[cur]!;
            break;
          case Code.JGE32_X:
            if (cmpU32(r[d2]!, r[s2]!) >= 0) i = tgt[cur]!;
            break;
          case Code.JLT32_K:
            if (cmpU32(r[d2]!, imms[cur]! >>> 0) < 0) i = tgt[cur]!;
            break;
          case Code.JLT32_X:
            if (cmpU32(r[d2]!, r[s2]!) < 0) i = tgt[cur]!;
            break;
          case Code.JLE32_K:
            if (cmpU32(r[d2]!, imms[cur]! >>> 0) <= 0) i = tgt[cur]!;
            break;
          case Code.JLE32_X:
            if (cmpU32(r[d2]!, r[s2]!) <= 0) i = tgt[cur]!;
            break;
          case Code.JSGT32_K:
            if (cmpS32(r[d2]!, imms[cur]!) > 0) i = tgt[cur]!;
            break;
          case Code.JSGT32_X:
            if (cmpS32(r[d2]!, r[s2]!) > 0) i = tgt[cur]!;
            break;
          case Code.JSGE32_K:
            if (cmpS32(r[d2]!, imms[cur]!) >= 0) i = tgt[cur]!;
            break;
          case Code.JSGE32_X:
            if (cmpS32(r[d2]!, r[s2]!) >= 0) i = tgt[cur]!;
            break;
          case Code.JSLT32_K:
            if (cmpS32(r[d2]!, imms[cur]!) < 0) i = tgt[cur]!;
            break;
          case Code.JSLT32_X:
            if (cmpS32(r[d2]!, r[s2]!) < 0) i = tgt[cur]!;
            break;
          case Code.JSLE32_K:
            if (cmpS32(r[d2]!, imms[cur]!) <= 0) i = tgt[cur]!;
            break;
          case Code.JSLE32_X:
            if (cmpS32(r[d2]!, r[s2]!) <= 0) i = tgt[cur]!;
            break;

          // ---- LD: 64-bit immediate and the legacy big-endian packet loads ----
          case Code.LDDW:
            r[d2] = imms[cur]! >>> 0;
            r[d2 + 1] = immHi[cur]!;
            break;
          case Code.LDABSW: {
            const at = mem.packet(0, 0, imms[cur]!, 4, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint32(at, false);
            r[1] = 0;
            break;
          }
          case Code.LDABSH: {
            const at = mem.packet(0, 0, imms[cur]!, 2, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint16(at, false);
            r[1] = 0;
            break;
          }
          case Code.LDABSB: {
            const at = mem.packet(0, 0, imms[cur]!, 1, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint8(at);
            r[1] = 0;
            break;
          }
          case Code.LDINDW: {
            const at = mem.packet(r[s2 + 1]!, r[s2]!, imms[cur]!, 4, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint32(at, false);
            r[1] = 0;
            break;
          }
          case Code.LDINDH: {
            const at = mem.packet(r[s2 + 1]!, r[s2]!, imms[cur]!, 2, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint16(at, false);
            r[1] = 0;
            break;
          }
          case Code.LDINDB: {
            const at = mem.packet(r[s2 + 1]!, r[s2]!, imms[cur]!, 1, pcs[cur]!, soft);
            if (at < 0) return this.packetFault();
            r[0] = mem.dv.getUint8(at);
            r[1] = 0;
            break;
          }

          // ---- atomics (bulky and rare: the work is in methods, off the hot path) ----
          case Code.ATOMIC32_ADD:
          case Code.ATOMIC32_FETCH_ADD:
          case Code.ATOMIC32_OR:
          case Code.ATOMIC32_FETCH_OR:
          case Code.ATOMIC32_AND:
          case Code.ATOMIC32_FETCH_AND:
          case Code.ATOMIC32_XOR:
          case Code.ATOMIC32_FETCH_XOR:
          case Code.ATOMIC32_XCHG:
          case Code.ATOMIC32_CMPXCHG:
            atomic32(
              r,
              mem.dv,
              code,
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 4, true, pcs[cur]!),
              s2,
            );
            break;
          case Code.ATOMIC64_ADD:
          case Code.ATOMIC64_FETCH_ADD:
          case Code.ATOMIC64_OR:
          case Code.ATOMIC64_FETCH_OR:
          case Code.ATOMIC64_AND:
          case Code.ATOMIC64_FETCH_AND:
          case Code.ATOMIC64_XOR:
          case Code.ATOMIC64_FETCH_XOR:
          case Code.ATOMIC64_XCHG:
          case Code.ATOMIC64_CMPXCHG:
            atomic64(
              r,
              mem.dv,
              code,
              mem.ea(r[d2 + 1]!, r[d2]!, offs[cur]!, 8, true, pcs[cur]!),
              s2,
            );
            break;
          default:
            assertNever(code, 'instruction code');
        }
        if (trace !== undefined) this.emit(trace, cur, atDepth);
      }
    } finally {
      this.count = count;
    }
  }

  /**
   * HelperCall.callback: run the subprogram at slot `fnPc` in a new frame with r1-r5 = args and
   * return its r0; every register and the call depth are as before afterwards.
   */
  private callback(
    fnPc: number,
    a1: bigint,
    a2: bigint,
    a3: bigint,
    a4: bigint,
    a5: bigint,
  ): bigint {
    const { r, u64, mem, cbSaved } = this;
    const idx = Number.isInteger(fnPc) ? this.indexOfPc[fnPc] : undefined;
    const pc = this.call.pc;
    if (idx === undefined || idx < 0 || this.entries[idx] !== 1) {
      throw new RunError('BAD_CALLBACK', `callback ${fnPc} is not a subprogram entry`, {
        insn: pc,
      });
    }
    const depth = mem.depth;
    if (depth + 1 >= MAX_FRAMES) {
      throw new RunError(
        'CALL_DEPTH',
        `callback would need frame ${depth + 2} of at most ${MAX_FRAMES}`,
        { insn: pc },
      );
    }
    const save = depth * NUM_REGS * 2;
    cbSaved.set(r, save);
    u64[1] = a1;
    u64[2] = a2;
    u64[3] = a3;
    u64[4] = a4;
    u64[5] = a5;
    r[R10] = frameTop(depth + 1);
    r[R10 + 1] = 0;
    mem.depth = depth + 1;
    mem.reset();
    try {
      return this.exec(idx, depth + 1);
    } finally {
      r.set(cbSaved.subarray(save, save + NUM_REGS * 2));
      mem.depth = depth;
      mem.reset();
      // The helper's HelperCall is shared: give back the pc of the call that is still running.
      this.call.pc = pc;
    }
  }

  /** Local call at instruction `cur`: push a frame returning to `ret`; returns the callee entry. */
  private enter(cur: number, ret: number): number {
    const { r, saved, mem } = this;
    const depth = mem.depth;
    if (depth + 1 >= MAX_FRAMES) {
      throw new RunError(
        'CALL_DEPTH',
        `local call would need frame ${depth + 2} of at most ${MAX_FRAMES}`,
        { insn: this.pcs[cur] },
      );
    }
    this.retIdx[depth] = ret;
    for (let k = 0; k < 8; k++) saved[depth * 8 + k] = r[R6 + k]!;
    mem.depth = depth + 1;
    mem.reset();
    r[R10] = frameTop(depth + 1);
    r[R10 + 1] = 0;
    return this.tgt[cur]!;
  }

  /** `exit` from a callee: restore r6-r9 and r10; returns the caller's next instruction. */
  private leave(): number {
    const { r, saved, mem } = this;
    const depth = mem.depth - 1;
    for (let k = 0; k < 8; k++) r[R6 + k] = saved[depth * 8 + k]!;
    r[R10] = frameTop(depth);
    r[R10 + 1] = 0;
    mem.depth = depth;
    mem.reset();
    return this.retIdx[depth]!;
  }

  /** A packet load outside the packet, in packetFaultExits mode: the program ends, r0 = 0. */
  private packetFault(): bigint {
    this.r[0] = 0;
    this.r[1] = 0;
    return 0n;
  }

  /**
   * `call imm` / callx: arguments to ARGS_SLOT, r0 = result, r1-r5 left as they were. Returns
   * true when bpf_tail_call recorded a tail call instead of throwing it: a call to helper 12 is
   * armed (see src/runtime/object/tail-call.ts), and the caller then leaves the program by
   * returning, as compiled code does.
   */
  private callHelper(id: number, pc: number): boolean {
    const r = this.r;
    const dv = this.env.memory.view;
    for (let k = 0; k < 10; k++) dv.setUint32(ARGS_SLOT + k * 4, r[2 + k]!, true);
    const tail = id === TAIL_CALL_HELPER;
    if (tail) dv.setInt32(TAIL_CALL_SLOT, TailCallWord.ARMED, true);
    const ret = this.env.helpers.invoke(id, this.call, pc);
    // The helper may have grown the memory or changed the regions.
    this.mem.reset();
    this.u64[0] = ret;
    return tail && this.env.memory.view.getInt32(TAIL_CALL_SLOT, true) === TailCallWord.PENDING;
  }

  /** Report the registers instruction `cur` changed. Only reached when tracing. */
  private emit(trace: TraceSink, cur: number, depth: number): void {
    const changed = new Map<number, bigint>();
    for (let k = 0; k < NUM_REGS; k++) {
      if (this.r[2 * k] !== this.prev[2 * k] || this.r[2 * k + 1] !== this.prev[2 * k + 1]) {
        changed.set(k, this.u64[k]!);
      }
    }
    trace({ pc: this.pcs[cur]!, depth, changed });
  }
}
