// The verifier's entry: structural checks, then an abstract interpretation of every path from
// the entry (the kernel's do_check): registers and stack as abstract values, both sides of each
// conditional jump explored with the knowledge the condition gives, states at jump targets
// remembered so a later path that an already verified state contains is not explored again
// (pruning), loops accepted when every path through them ends, and at most 1,000,000
// instructions processed in all.

import type { LineRecord } from '../elf/btf-ext.js';
import type { MapDef } from '../elf/maps-def.js';
import { assertNever, BpfError, VerifyError } from '../errors.js';
import type { Insn, Program } from '../isa/insn.js';
import { Code, LddwSrc } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import { contextLayoutOf } from '../runtime/context/index.js';
import type { HelperProto } from '../runtime/helper-protos.js';
import { protoOf } from '../runtime/helpers/protos.js';
import {
  type Cond,
  isConst,
  negateCond,
  refine,
  type Scalar,
  scalarConst,
  scalarURange,
} from './bounds.js';
import { checkAlu, readReg } from './check-alu.js';
import { checkHelperCall } from './check-call.js';
import { checkAccess, checkHelperMem, loadedScalar } from './check-mem.js';
import { type Env, fail } from './env.js';
import {
  frameText,
  insnText,
  lineOfInsn,
  sourceText,
  stateText,
  type Trail,
  trailText,
} from './log.js';
import {
  Frame,
  isOrNull,
  isPointer,
  NOT_INIT,
  ptrReg,
  type Reg,
  type RegType,
  scalarReg,
  statesEqual,
  widenInto,
  UNKNOWN_SCALAR,
  VState,
} from './state.js';
import { checkStackDepth, checkStructure, MAX_CALL_FRAMES } from './structure.js';
import { U32 } from './tnum.js';

export interface VerifyOptions {
  /** Program type (names of src/elf/prog-type.ts); decides the context and allowed helpers. */
  readonly progType?: string;
  /** The object's maps: lddw src=5/6 immediates index into it. */
  readonly maps?: readonly MapDef[];
  /** Helper prototypes: a lookup or a list. Default: the project's HELPER_PROTOS. */
  readonly helpers?: ((id: number) => HelperProto | undefined) | readonly HelperProto[];
  /** Line info of the program (BpfProgram.lineInfo): errors then name the C line. */
  readonly lineInfo?: readonly LineRecord[] | undefined;
  /** Program types without a context: r1 points to this many bytes of memory, r2 holds it. */
  readonly memSize?: number;
  /** Record the full walk, one line per processed instruction. */
  readonly log?: boolean;
  /** Processed-instruction cap (the kernel's 1,000,000). */
  readonly maxInsns?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Instructions processed, counting every path (the kernel's `processed N insns`). */
  readonly insnsProcessed: number;
  readonly error?: VerifyError;
  /** The full walk when `log` was asked for; on rejection always the report of the error. */
  readonly log?: string;
  /** Deepest stack byte used, per subprogram. */
  readonly stackDepth: readonly number[];
}

export const COMPLEXITY_LIMIT = 1_000_000;

/** A remembered state at a prune point and how many paths from it are still being explored. */
interface Visited {
  readonly state: VState;
  branches: number;
  readonly parent: Visited | null;
  hits: number;
  miss: number;
}

interface Path {
  st: VState;
  pc: number;
  parent: Visited | null;
  trail: Trail | null;
}

const CONDS: Readonly<Record<number, Cond>> = {
  0x10: 'eq',
  0x20: 'ugt',
  0x30: 'uge',
  0x40: 'set',
  0x50: 'ne',
  0x60: 'sgt',
  0x70: 'sge',
  0xa0: 'ult',
  0xb0: 'ule',
  0xc0: 'slt',
  0xd0: 'sle',
};

const NON_NULL: Partial<Record<RegType, RegType>> = {
  map_value_or_null: 'map_value',
  mem_or_null: 'mem',
  map_ptr_or_null: 'map_ptr',
};

/** Verify a decoded program. Never throws for a bad program: the result says why. */
export function verify(program: Program, opts: VerifyOptions = {}): VerifyResult {
  const progType = opts.progType ?? 'unspec';
  const helpers = opts.helpers;
  const helper =
    helpers === undefined
      ? protoOf
      : typeof helpers === 'function'
        ? helpers
        : (id: number): HelperProto | undefined => helpers.find((h) => h.id === id);
  const lines: string[] | null = opts.log === true ? [] : null;
  let processed = 0;
  let env: Env | undefined;
  let current: Path | null = null;
  try {
    if (program.insns.length === 0) fail('VERIFY_FALL_OFF', 'empty program', 0);
    const structure = checkStructure(program);
    env = {
      program,
      structure,
      progType,
      layout: progType === 'unspec' ? undefined : contextLayoutOf(progType),
      memSize: opts.memSize ?? 0,
      maps: opts.maps ?? [],
      helper,
      lineInfo: opts.lineInfo,
      stackDepth: structure.subprogs.map(() => 0),
      callbackSites: new Set(),
      nextId: 0,
    };
    const e = env;
    const maxInsns = opts.maxInsns ?? COMPLEXITY_LIMIT;

    // Prune points: jump targets, the instruction after a conditional jump, callback call sites.
    const prune = new Uint8Array(program.slots + 1);
    for (const insn of program.insns) {
      const info = infoOf(insn.code);
      if (info.kind === 'jmp') {
        prune[insn.pc + 1 + (info.imm === 'jump' ? insn.imm : insn.off)] = 1;
        prune[insn.pc + 1] = 1;
      }
      if (insn.code === Code.CALL_HELPER && helper(insn.imm)?.args.includes('func') === true) {
        prune[insn.pc] = 1;
        e.callbackSites.add(insn.pc);
      }
    }
    const visited = new Map<number, Visited[]>();
    const work: Path[] = [];
    const finish = (q: Path): void => {
      for (let v = q.parent; v !== null; v = v.parent) if (--v.branches > 0) break;
    };
    const fork = (q: Path, st: VState, pc: number, trail: Trail | null): void => {
      if (q.parent !== null) q.parent.branches++;
      work.push({ st, pc, parent: q.parent, trail });
    };
    let jmps = 0;
    let lastAddJ = 0;
    let lastAddI = 0;

    let p: Path | null = { st: initialState(e), pc: 0, parent: null, trail: null };
    current = p;
    for (;;) {
      if (p === null) {
        p = work.pop() ?? null;
        if (p === null) break;
        current = p;
        if (lines !== null)
          lines.push(`from ${p.trail?.from ?? '?'} to ${p.pc}: ${frameText(p.st.cur)}`);
      }
      const pc: number = p.pc;
      const st: VState = p.st;
      if (++processed > maxInsns) {
        fail('VERIFY_TOO_COMPLEX', `BPF program is too large. Processed ${processed - 1} insn`, pc);
      }
      if (prune[pc] === 1) {
        let list = visited.get(pc);
        if (list === undefined) visited.set(pc, (list = []));
        const isCallbackSite = e.callbackSites.has(pc);
        let pruned = false;
        // Newest first: the previous iteration of a loop is the state most likely to equal this
        // one. Only the few newest in-progress states are checked for an infinite loop (a loop
        // whose state cycles with a longer period ends at the complexity limit instead).
        let loopChecks = 0;
        for (let k = list.length - 1; k >= 0; k--) {
          const v = list[k] as Visited;
          if (v.branches > 0 && !isCallbackSite) {
            if (loopChecks++ < 4 && statesEqual(v.state, st, true)) {
              fail('VERIFY_INFINITE_LOOP', 'infinite loop detected', pc);
            }
            continue;
          }
          if (statesEqual(v.state, st, false)) {
            v.hits++;
            pruned = true;
            break;
          }
          v.miss++;
          // Iterations of a callback converge by forgetting the scalars they keep changing.
          if (
            isCallbackSite &&
            v.branches > 0 &&
            widenInto(v.state, st) &&
            statesEqual(v.state, st, false)
          ) {
            v.hits++;
            pruned = true;
            break;
          }
        }
        if (pruned) {
          if (lines !== null) lines.push(`${pc}: safe`);
          finish(p);
          p = null;
          continue;
        }
        if (list.length < 8 || (jmps - lastAddJ >= 2 && processed - lastAddI >= 8)) {
          // Forget states that keep failing to prune anything and are no longer in progress.
          if (list.length > 64) {
            const keep = list.filter((v) => v.branches > 0 || v.miss <= v.hits * 3 + 3);
            list.length = 0;
            list.push(...keep);
          }
          const v: Visited = { state: st.clone(), branches: 1, parent: p.parent, hits: 0, miss: 0 };
          list.push(v);
          p.parent = v;
          lastAddJ = jmps;
          lastAddI = processed;
        }
      }

      const insn = program.insns[program.indexOfPc[pc] as number] as Insn;
      const info = infoOf(insn.code);
      const regs = st.cur.regs;
      let written: number[] = [];
      let next = pc + 1;
      switch (info.kind) {
        case 'alu':
          checkAlu(e, st, insn);
          written = [insn.dst];
          break;
        case 'lddw':
          regs[insn.dst] = lddwReg(e, insn);
          written = [insn.dst];
          next = pc + 2;
          break;
        case 'ldx': {
          const src = readReg(st, insn.src, pc);
          const r = checkAccess(e, st, src, {
            regno: insn.src,
            off: insn.off,
            size: info.width / 8,
            kind: 'read',
            signed: info.name.startsWith('LDXS'),
            pc,
          });
          st.cur.regs[insn.dst] = r ?? UNKNOWN_SCALAR;
          written = [insn.dst];
          break;
        }
        case 'st':
        case 'stx': {
          const dst = readReg(st, insn.dst, pc);
          const value =
            info.kind === 'st' ? scalarReg(scalarConst(insn.imm64)) : readReg(st, insn.src, pc);
          checkAccess(e, st, dst, {
            regno: insn.dst,
            off: insn.off,
            size: info.width / 8,
            kind: 'write',
            value,
            pc,
          });
          break;
        }
        case 'atomic':
          written = checkAtomic(e, st, insn);
          break;
        case 'ldabs':
        case 'ldind':
          checkLdAbs(e, st, insn);
          written = [0];
          break;
        case 'jmp': {
          if (insn.code === Code.JA || insn.code === Code.JA32) {
            next = pc + 1 + (insn.code === Code.JA ? insn.off : insn.imm);
            break;
          }
          jmps++;
          const target = pc + 1 + insn.off;
          const { taken, fall } = branch(e, st, insn);
          if (lines !== null) lines.push(insnText(insn));
          if (taken === null && fall === null) {
            finish(p);
            p = null;
            continue;
          }
          if (taken !== null && fall !== null) {
            fork(p, taken, target, { from: pc, to: target, prev: p.trail });
            p.trail = { from: pc, to: pc + 1, prev: p.trail };
            p.st = fall;
            p.pc = pc + 1;
          } else if (taken !== null) {
            p.st = taken;
            p.pc = target;
          } else {
            p.st = fall as VState;
            p.pc = pc + 1;
          }
          continue;
        }
        case 'call': {
          if (insn.code === Code.CALL_HELPER) {
            const pre = e.callbackSites.has(pc) ? st.clone() : null;
            const cb = checkHelperCall(e, st, insn);
            if (cb !== null && pre !== null) {
              if (pre.frames.length >= MAX_CALL_FRAMES)
                fail(
                  'VERIFY_CALL_DEPTH',
                  `the call stack of ${pre.frames.length + 1} frames is too deep`,
                  pc,
                );
              const f = new Frame(pc, e.structure.subprogOf[cb.target] as number);
              f.regs[1] = scalarReg(scalarURange(0n, U32));
              f.regs[2] = cb.ctxArg;
              f.regs[10] = ptrReg('stack', { frame: pre.frames.length });
              pre.frames.push(f);
              fork(p, pre, cb.target, { from: pc, to: cb.target, prev: p.trail });
            }
            written = [0];
          } else if (insn.code === Code.CALL_LOCAL) {
            if (st.frames.length >= MAX_CALL_FRAMES)
              fail(
                'VERIFY_CALL_DEPTH',
                `the call stack of ${st.frames.length + 1} frames is too deep`,
                pc,
              );
            const target = pc + 1 + insn.imm;
            const f = new Frame(pc, e.structure.subprogOf[target] as number);
            for (let i = 1; i <= 5; i++) f.regs[i] = regs[i] as Reg;
            f.regs[10] = ptrReg('stack', { frame: st.frames.length });
            st.frames.push(f);
            next = target;
            p.trail = { from: pc, to: target, prev: p.trail };
          } else if (insn.code === Code.CALL_KFUNC) {
            checkBuiltin(e, st, insn);
            written = [0];
          } else {
            // callx: accepted when the register holds a known helper id, then checked exactly
            // like `call <id>`. A computed or pointer target cannot be checked statically.
            const target = regs[insn.dst] as Reg;
            if (target.type !== 'scalar' || !isConst(target.v) || target.v.t.value > 0x7fffffffn) {
              fail(
                'VERIFY_UNSUPPORTED_INSN',
                `callx through R${insn.dst}, which is not a known helper id`,
                pc,
              );
            }
            const id = Number(target.v.t.value);
            if (e.callbackSites.has(pc) || e.helper(id)?.args.includes('func') === true) {
              fail(
                'VERIFY_UNSUPPORTED_INSN',
                `callx to bpf_${e.helper(id)?.name ?? id}, which takes a callback`,
                pc,
              );
            }
            checkHelperCall(e, st, { ...insn, code: Code.CALL_HELPER, imm: id });
            written = [0];
          }
          break;
        }
        case 'exit': {
          if (lines !== null) lines.push(insnText(insn));
          const callee = st.cur;
          if (st.frames.length === 1) {
            readReg(st, 0, pc);
            if (st.refs.length > 0)
              fail('VERIFY_REF_LEAK', `Unreleased reference id=${st.refs[0]}`, pc);
            finish(p);
            p = null;
            continue;
          }
          const r0 = callee.regs[0] as Reg;
          const site = program.insns[program.indexOfPc[callee.callsite] as number] as Insn;
          st.frames.pop();
          if (site.code === Code.CALL_HELPER) {
            // A callback returned: its value must be 0 or 1 (bpf_loop: continue or stop), and
            // the helper may call it again, so the call instruction runs again.
            if (r0.type !== 'scalar' || r0.v.umax > 1n) {
              fail(
                'VERIFY_BAD_RETURN',
                `At callback return the register R0 has ${r0.type === 'scalar' ? `umax=${r0.v.umax}` : r0.type}, should have been in [0, 1]`,
                pc,
              );
            }
            p.pc = site.pc;
            continue;
          }
          if (r0.type === 'stack' && r0.frame >= st.frames.length) {
            fail('VERIFY_BAD_RETURN', 'cannot return stack pointer to the caller', pc);
          }
          const caller = st.cur.regs;
          caller[0] = r0;
          for (let i = 1; i <= 5; i++) caller[i] = NOT_INIT;
          p.pc = callee.callsite + 1;
          if (lines !== null) lines.push(`returning from callee: ${frameText(st.cur)}`);
          continue;
        }
        default:
          assertNever(info.kind, 'instruction kind');
      }
      if (lines !== null) {
        const w = frameText(st.cur, written);
        const text = insnText(insn);
        lines.push(w === '' ? text : `${text.padEnd(40)} ; ${w}`);
      }
      p.pc = next;
    }
    checkStackDepth(structure, e.stackDepth);
    return {
      ok: true,
      insnsProcessed: processed,
      stackDepth: e.stackDepth,
      ...(lines !== null ? { log: `${lines.join('\n')}\nprocessed ${processed} insns\n` } : {}),
    };
  } catch (err) {
    if (!(err instanceof BpfError)) throw err;
    const pc = err.insn ?? 0;
    const line = lineOfInsn(opts.lineInfo, pc);
    const error = new VerifyError(err.code, err.detail, { insn: pc, line: line?.line });
    const report: string[] = [error.message];
    const insn = program.insns[program.indexOfPc[pc] ?? -1];
    if (insn !== undefined) report.push(insnText(insn));
    if (line !== undefined) report.push(sourceText(line));
    if (current !== null) {
      report.push(`state: ${stateText(current.st)}`);
      const t = trailText(current.trail);
      if (t !== '') report.push(`path: ${t}`);
    }
    const log = [...(lines ?? []), ...report].join('\n') + '\n';
    return { ok: false, insnsProcessed: processed, error, log, stackDepth: env?.stackDepth ?? [] };
  }
}

function initialState(env: Env): VState {
  const f = new Frame(-1, 0);
  if (env.layout !== undefined) {
    f.regs[1] = ptrReg('ctx');
  } else {
    f.regs[1] = ptrReg('mem', { size: env.memSize });
    f.regs[2] = scalarReg(scalarConst(BigInt(env.memSize)));
  }
  f.regs[10] = ptrReg('stack', { frame: 0 });
  return new VState([f], []);
}

function lddwReg(env: Env, insn: Insn): Reg {
  const pc = insn.pc;
  switch (insn.src) {
    case LddwSrc.IMM:
      return scalarReg(scalarConst(insn.imm64));
    case LddwSrc.MAP_IDX:
    case LddwSrc.MAP_IDX_VALUE: {
      const index = Number(insn.imm64 & 0xffffffffn);
      const map = env.maps[index];
      if (map === undefined)
        fail('VERIFY_UNSUPPORTED_INSN', `map index ${index} does not name a map`, pc);
      if (insn.src === LddwSrc.MAP_IDX) return ptrReg('map_ptr', { map });
      const off = Number(BigInt.asIntN(32, insn.imm64 >> 32n));
      if (off < 0 || off >= map.valueSize) {
        fail(
          'VERIFY_OUT_OF_BOUNDS',
          `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`,
          pc,
        );
      }
      return ptrReg('map_value', { map, off });
    }
    case LddwSrc.FUNC:
      return ptrReg('func', { frame: pc + 1 + insn.imm });
    default:
      return fail(
        'VERIFY_UNSUPPORTED_INSN',
        `lddw with src=${insn.src} needs a kernel (map fds, BTF ids)`,
        pc,
      );
  }
}

function checkAtomic(env: Env, st: VState, insn: Insn): number[] {
  const info = infoOf(insn.code);
  const pc = insn.pc;
  const dst = readReg(st, insn.dst, pc);
  const src = readReg(st, insn.src, pc);
  if (src.type !== 'scalar') fail('VERIFY_INVALID_MEM', `R${insn.src} leaks addr into mem`, pc);
  const isCmpxchg = info.name.endsWith('CMPXCHG');
  if (isCmpxchg) {
    const r0 = readReg(st, 0, pc);
    if (r0.type !== 'scalar') fail('VERIFY_INVALID_MEM', 'R0 leaks addr into mem', pc);
  }
  if (dst.type !== 'stack' && dst.type !== 'map_value' && dst.type !== 'mem') {
    if (dst.type === 'ctx' || dst.type === 'pkt' || dst.type === 'pkt_meta') {
      fail(
        'VERIFY_INVALID_MEM',
        `BPF_ATOMIC stores into R${insn.dst} ${dst.type} is not allowed`,
        pc,
      );
    }
  }
  const size = info.width / 8;
  const loaded =
    checkAccess(env, st, dst, { regno: insn.dst, off: insn.off, size, kind: 'atomic', pc }) ??
    loadedScalar(size, false);
  const value = size === 4 ? loadedScalar(4, false) : loaded;
  if (isCmpxchg) {
    st.cur.regs[0] = value;
    return [0];
  }
  if (info.writesSrc) {
    st.cur.regs[insn.src] = value;
    return [insn.src];
  }
  return [];
}

function checkLdAbs(env: Env, st: VState, insn: Insn): void {
  const pc = insn.pc;
  if (!['socket_filter', 'sched_cls', 'sched_act'].includes(env.progType)) {
    fail(
      'VERIFY_UNSUPPORTED_INSN',
      `BPF_LD_[ABS|IND] instructions not allowed for program type ${env.progType}`,
      pc,
    );
  }
  const r6 = readReg(st, 6, pc);
  if (r6.type !== 'ctx')
    fail('VERIFY_UNSUPPORTED_INSN', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', pc);
  if (infoOf(insn.code).kind === 'ldind') {
    const src = readReg(st, insn.src, pc);
    if (src.type !== 'scalar')
      fail('VERIFY_PTR_ARITH', `R${insn.src} pointer used as packet offset`, pc);
  }
  if (st.refs.length > 0)
    fail('VERIFY_REF_LEAK', 'BPF_LD_[ABS|IND] cannot be mixed with socket references', pc);
  const regs = st.cur.regs;
  for (let i = 1; i <= 5; i++) regs[i] = NOT_INIT;
  regs[0] = loadedScalar(infoOf(insn.code).width / 8, false);
}

/** memset/memcpy/memmove/memcmp that the loader turned into runtime calls (src/elf/reloc.ts). */
function checkBuiltin(env: Env, st: VState, insn: Insn): void {
  const pc = insn.pc;
  const regs = st.cur.regs;
  const id = insn.imm;
  if (id < 1 || id > 4)
    fail('VERIFY_UNSUPPORTED_INSN', `kfunc call ${id} is not a runtime built-in`, pc);
  const r1 = readReg(st, 1, pc);
  const r2 = readReg(st, 2, pc);
  const r3 = readReg(st, 3, pc);
  if (r3.type !== 'scalar' || r3.v.umax >= 1n << 29n) {
    fail('VERIFY_HELPER_ARG', 'R3 size of a memory built-in must be a bounded scalar', pc);
  }
  const n = Number(r3.v.umax);
  if (id === 1) {
    if (r2.type !== 'scalar') fail('VERIFY_HELPER_ARG', 'R2 memset value must be a scalar', pc);
    checkHelperMem(env, st, r1, 1, n, true, pc);
  } else if (id === 4) {
    checkHelperMem(env, st, r1, 1, n, false, pc);
    checkHelperMem(env, st, r2, 2, n, false, pc);
  } else {
    checkHelperMem(env, st, r2, 2, n, false, pc);
    checkHelperMem(env, st, r1, 1, n, true, pc);
  }
  for (let i = 1; i <= 5; i++) regs[i] = NOT_INIT;
  regs[0] = id === 4 ? UNKNOWN_SCALAR : r1;
}

/** Both successors of a conditional jump, each null when the verifier proves it impossible. */
function branch(env: Env, st: VState, insn: Insn): { taken: VState | null; fall: VState | null } {
  const info = infoOf(insn.code);
  const pc = insn.pc;
  const w = info.cls === 0x06 ? 32 : 64;
  const isX = (insn.code & 0x08) !== 0;
  const dst = readReg(st, insn.dst, pc);
  const src = isX
    ? readReg(st, insn.src, pc)
    : scalarReg(scalarConst(w === 64 ? insn.imm64 : BigInt.asUintN(32, BigInt(insn.imm))));
  const cond = CONDS[insn.code & 0xf0];
  if (cond === undefined) return fail('VERIFY_UNSUPPORTED_INSN', 'unknown jump', pc);
  const taken = st.clone();
  const okTaken = applyCond(env, taken, insn, cond, w, dst, src, isX);
  const okFall = applyCond(env, st, insn, negateCond[cond], w, dst, src, isX);
  return { taken: okTaken ? taken : null, fall: okFall ? st : null };
}

function setScalar(st: VState, regno: number, reg: Reg, v: Scalar): void {
  if (reg.id === 0) {
    st.cur.regs[regno] = { ...reg, v };
    return;
  }
  const id = reg.id;
  st.forEachReg((x) => (x.type === 'scalar' && x.id === id ? { ...x, v } : x));
}

const isNullConst = (r: Reg): boolean => r.type === 'scalar' && isConst(r.v) && r.v.t.value === 0n;

/** Assume `dst cond src`; false when that cannot hold. */
function applyCond(
  env: Env,
  st: VState,
  insn: Insn,
  cond: Cond,
  w: 32 | 64,
  dst: Reg,
  src: Reg,
  isX: boolean,
): boolean {
  if (dst.type === 'scalar' && src.type === 'scalar') {
    const res = refine(cond, w, dst.v, src.v);
    if (res === null) return false;
    if (isX && dst.id !== 0 && dst.id === src.id) return true;
    setScalar(st, insn.dst, dst, res[0]);
    if (isX) setScalar(st, insn.src, src, res[1]);
    return true;
  }
  if (w === 64 && (cond === 'eq' || cond === 'ne')) {
    const [ptr, other] = isPointer(dst) ? [dst, src] : [src, dst];
    if (isNullConst(other)) {
      if (isOrNull(ptr)) {
        markNull(st, ptr, cond === 'eq');
        return true;
      }
      // Pointers of every other kind are never NULL.
      return cond === 'ne';
    }
  }
  if (w === 64) {
    const up = cond === 'ule' || cond === 'ult';
    const down = cond === 'uge' || cond === 'ugt';
    if (dst.type === 'pkt' && src.type === 'pkt_end' && up) markPktRange(st, dst);
    else if (dst.type === 'pkt_end' && src.type === 'pkt' && down) markPktRange(st, src);
    else if (dst.type === 'pkt_meta' && src.type === 'pkt' && up) markPktRange(st, dst);
    else if (dst.type === 'pkt' && src.type === 'pkt_meta' && down) markPktRange(st, src);
  }
  void env;
  return true;
}

/** A null check of a map_value_or_null (or similar): every copy learns the answer. */
function markNull(st: VState, ptr: Reg, isNull: boolean): void {
  const id = ptr.id;
  st.forEachReg((x) => {
    if (x.id !== id || !isOrNull(x)) return x;
    if (isNull) return scalarReg(scalarConst(0n));
    return { ...x, type: NON_NULL[x.type] ?? x.type };
  });
  if (isNull && ptr.ref !== 0) st.refs = st.refs.filter((r) => r !== ptr.ref);
}

/** `ptr <= data_end` holds: the bytes up to ptr's fixed offset are in the packet. */
function markPktRange(st: VState, ptr: Reg): void {
  if (ptr.off < 0 || ptr.v.umax + BigInt(ptr.off) > 0xffffn) return;
  const { id, type, off } = ptr;
  st.forEachReg((x) =>
    x.type === type && x.id === id && x.range < off ? { ...x, range: off } : x,
  );
}
