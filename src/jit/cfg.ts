// The control-flow graph the JIT translates: basic blocks over a decoded Program, their edges
// (deduplicated: a conditional jump of +0 has one successor), and the subprograms (the entry at
// pc 0, every `call local` target and every `lddw rX, func` target, i.e. a bpf_loop callback),
// each being the blocks reachable from its entry without following calls. Blocks no subprogram
// reaches are dropped. Calls do not end a block: they return to the next instruction, so they
// are plain instructions here.

import { type Insn, type Program, jumpTarget } from '../isa/insn.js';
import { Code, LddwSrc } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import { callbackTarget } from '../runtime/helpers.js';
import { idOf } from '../runtime/helpers/ids.js';

/**
 * How a block ends:
 * - exit: an `exit` instruction;
 * - goto: one successor (ja/ja32, falling into the next block, or a conditional jump whose two
 *   targets are the same block: its condition has no effect and is dropped);
 * - cond: a conditional jump, successors [taken, fallthrough];
 * - falloff: the last instruction of the program is not a jump or exit, so execution runs past
 *   the end (a run-time trap, FELL_OFF_END).
 */
export type BlockEnd = 'exit' | 'goto' | 'cond' | 'falloff';

export interface BasicBlock {
  readonly id: number;
  /** Index into program.insns of the first and last instruction (inclusive). */
  readonly first: number;
  readonly last: number;
  readonly end: BlockEnd;
  /** Successor block ids: [] (exit, falloff), [next] (goto), [taken, fallthrough] (cond). */
  readonly succs: readonly number[];
}

export interface Subprogram {
  /** Slot index of the entry instruction (0 for the main program). */
  readonly entryPc: number;
  readonly entry: number;
  /** Ids of the blocks reachable from the entry, the entry first. */
  readonly blocks: readonly number[];
}

export interface Cfg {
  readonly program: Program;
  readonly blocks: readonly BasicBlock[];
  /** Subprograms: the main one first, then call and callback targets in pc order. */
  readonly subprograms: readonly Subprogram[];
  /**
   * The program may have a helper call back into it (see `usesCallbacks`): its subprograms are
   * exported and its JS helper calls hand over r10, r0, r6-r9 and the budget.
   */
  readonly callbacks: boolean;
}

/** bpf_loop's kernel id: the one standard helper that calls back into the program. */
const LOOP_HELPER = idOf('loop');

/**
 * True when a helper may call back into the program: it loads a function pointer (`lddw func`),
 * or calls bpf_loop or a helper chosen at run time (callx). The last two make an unverified
 * program that passes a plain number as the callback behave as in the interpreter, which
 * accepts any subprogram entry. Other programs pay nothing for callbacks.
 */
export function usesCallbacks(program: Program): boolean {
  return program.insns.some(
    (insn) =>
      (insn.code === Code.LDDW && insn.src === LddwSrc.FUNC) ||
      (insn.code === Code.CALL_HELPER && insn.imm >>> 0 === LOOP_HELPER) ||
      insn.code === Code.CALLX,
  );
}

/**
 * Instruction index a function pointer (`lddw rX, func`) points to, or -1 when its target is not
 * an instruction of the program (the interpreter then refuses the callback at run time).
 */
export function funcPointerIndex(program: Program, insn: Insn): number {
  const idx = program.indexOfPc[callbackTarget(insn.pc, insn.imm)];
  return idx !== undefined && idx >= 0 ? idx : -1;
}

/** True for a conditional jump (JMP/JMP32 compare-and-branch). */
export function isCondJump(insn: Insn): boolean {
  const info = infoOf(insn.code);
  return info.kind === 'jmp' && insn.code !== Code.JA && insn.code !== Code.JA32;
}

function isUncondJump(insn: Insn): boolean {
  return insn.code === Code.JA || insn.code === Code.JA32;
}

/** Instruction index a jump (or local call) goes to. */
export function targetIndex(program: Program, insn: Insn): number {
  const pc = jumpTarget(insn, insn.code === Code.JA32 || insn.code === Code.CALL_LOCAL);
  return program.indexOfPc[pc] as number;
}

/** Build the CFG. The program's jump and call targets must already be checked (decode does). */
export function buildCfg(program: Program): Cfg {
  const { insns } = program;
  const n = insns.length;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  const callTargets = new Set<number>();
  for (let i = 0; i < n; i++) {
    const insn = insns[i] as Insn;
    if (insn.code === Code.CALL_LOCAL) {
      const t = targetIndex(program, insn);
      leader[t] = 1;
      callTargets.add(t);
    } else if (insn.code === Code.LDDW && insn.src === LddwSrc.FUNC) {
      const t = funcPointerIndex(program, insn);
      if (t >= 0) {
        leader[t] = 1;
        callTargets.add(t);
      }
    } else if (isCondJump(insn) || isUncondJump(insn)) {
      leader[targetIndex(program, insn)] = 1;
      leader[i + 1] = 1;
    } else if (insn.code === Code.EXIT) {
      leader[i + 1] = 1;
    }
  }

  // Blocks in program order; blockAt[i] = id of the block starting at instruction i.
  const blockAt = new Int32Array(n).fill(-1);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (leader[i] === 1) {
      blockAt[i] = starts.length;
      starts.push(i);
    }
  }
  const blocks: BasicBlock[] = starts.map((first, id) => {
    const last = (id + 1 < starts.length ? (starts[id + 1] as number) : n) - 1;
    const insn = insns[last] as Insn;
    const next = last + 1 < n ? (blockAt[last + 1] as number) : -1;
    let end: BlockEnd;
    let succs: number[];
    if (insn.code === Code.EXIT) {
      end = 'exit';
      succs = [];
    } else if (isUncondJump(insn)) {
      end = 'goto';
      succs = [blockAt[targetIndex(program, insn)] as number];
    } else if (isCondJump(insn)) {
      const taken = blockAt[targetIndex(program, insn)] as number;
      if (next === -1) {
        // Not taken runs past the end: keep the branch, the fallthrough is a trap block.
        end = 'cond';
        succs = [taken, -1];
      } else if (taken === next) {
        end = 'goto';
        succs = [taken];
      } else {
        end = 'cond';
        succs = [taken, next];
      }
    } else if (next === -1) {
      end = 'falloff';
      succs = [];
    } else {
      end = 'goto';
      succs = [next];
    }
    return { id, first, last, end, succs };
  });
  fixFalloffEdges(blocks, n);

  const entries = [0, ...[...callTargets].filter((t) => t !== 0).sort((a, b) => a - b)];
  const subprograms = entries.map((entryInsn) => {
    const entry = blockAt[entryInsn] as number;
    return {
      entryPc: (insns[entryInsn] as Insn).pc,
      entry,
      blocks: reachable(blocks, entry),
    };
  });
  return { program, blocks, subprograms, callbacks: usesCallbacks(program) };
}

/**
 * A conditional jump at the very end whose fallthrough leaves the program: give it a successor
 * block of its own that only traps (an empty 'falloff' block sharing the jump's position).
 */
function fixFalloffEdges(blocks: BasicBlock[], n: number): void {
  const last = blocks[blocks.length - 1];
  if (last === undefined || last.end !== 'cond' || last.succs[1] !== -1) return;
  const trap: BasicBlock = { id: blocks.length, first: n, last: n - 1, end: 'falloff', succs: [] };
  blocks[last.id] = { ...last, succs: [last.succs[0] as number, trap.id] };
  blocks.push(trap);
}

function reachable(blocks: readonly BasicBlock[], entry: number): number[] {
  const seen = new Uint8Array(blocks.length);
  const out: number[] = [];
  const stack = [entry];
  seen[entry] = 1;
  while (stack.length > 0) {
    const b = stack.pop() as number;
    out.push(b);
    for (const s of (blocks[b] as BasicBlock).succs) {
      if (seen[s] === 0) {
        seen[s] = 1;
        stack.push(s);
      }
    }
  }
  return out;
}

/** Number of instructions in a block (an lddw counts once, as the interpreter counts it). */
export function blockSize(b: BasicBlock): number {
  return b.last - b.first + 1;
}
