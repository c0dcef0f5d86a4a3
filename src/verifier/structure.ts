// Structural checks that need no abstract state (the kernel's check_subprogs, check_cfg and
// check_max_stack_depth): subprogram boundaries, jumps that stay inside their subprogram, every
// subprogram ending in exit or a jump, every instruction reachable, no recursion, call chains of
// at most 8 frames, and (once the walk has measured each subprogram's stack) at most 512 bytes of
// stack along any call chain.

import { VerifyError } from '../errors.js';
import { type Insn, type Program } from '../isa/insn.js';
import { Code, LddwSrc } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import { FRAME_SIZE, MAX_FRAMES } from '../runtime/layout.js';

/** The kernel's limits are the VM's own layout: 8 frames, 512 bytes of stack per program. */
export const MAX_CALL_FRAMES = MAX_FRAMES;
export const MAX_STACK = FRAME_SIZE;

export interface Subprog {
  readonly index: number;
  /** First slot. */
  readonly start: number;
  /** One past the last slot. */
  readonly end: number;
}

export interface Structure {
  readonly subprogs: readonly Subprog[];
  /** Slot -> index of its subprogram. */
  readonly subprogOf: Int32Array;
  /** Per subprogram: the calls it makes (call or callback reference) as [slot, callee]. */
  readonly calls: readonly (readonly (readonly [number, number])[])[];
}

/** Slot a local call or a function reference (lddw src=4) points to, or null. */
export function calleeOf(insn: Insn): number | null {
  if (insn.code === Code.CALL_LOCAL) return insn.pc + 1 + insn.imm;
  if (insn.code === Code.LDDW && insn.src === LddwSrc.FUNC) return insn.pc + 1 + insn.imm;
  return null;
}

/** Jump targets of a jump (taken target first), or null for non-jumps. */
function jumpTargetOf(insn: Insn): number | null {
  const info = infoOf(insn.code);
  if (info.kind !== 'jmp') return null;
  return insn.pc + 1 + (info.imm === 'jump' ? insn.imm : insn.off);
}

export function checkStructure(program: Program): Structure {
  const { insns, slots } = program;
  const starts = new Set<number>([0]);
  for (const insn of insns) {
    const t = calleeOf(insn);
    if (t === null) continue;
    if (t < 0 || t >= slots || program.indexOfPc[t] === -1) {
      throw new VerifyError(
        'VERIFY_JUMP_OUT_OF_SUBPROG',
        `call or function reference to slot ${t} is not an instruction`,
        { insn: insn.pc },
      );
    }
    starts.add(t);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const subprogs: Subprog[] = sorted.map((start, index) => ({
    index,
    start,
    end: sorted[index + 1] ?? slots,
  }));
  const subprogOf = new Int32Array(slots);
  for (const sp of subprogs) subprogOf.fill(sp.index, sp.start, sp.end);

  // Jumps stay inside their subprogram; each subprogram ends in exit or an unconditional jump.
  for (const insn of insns) {
    const t = jumpTargetOf(insn);
    if (t !== null && subprogOf[t] !== subprogOf[insn.pc]) {
      throw new VerifyError(
        'VERIFY_JUMP_OUT_OF_SUBPROG',
        `jump out of range from insn ${insn.pc} to ${t}`,
        { insn: insn.pc },
      );
    }
  }
  for (const sp of subprogs) {
    let lastIdx = sp.end - 1;
    while (lastIdx > sp.start && program.indexOfPc[lastIdx] === -1) lastIdx--;
    const last = insns[program.indexOfPc[lastIdx] as number] as Insn;
    if (last.code !== Code.EXIT && last.code !== Code.JA && last.code !== Code.JA32) {
      throw new VerifyError(
        'VERIFY_FALL_OFF',
        `last insn of subprogram ${sp.index} is not an exit or jmp`,
        { insn: last.pc },
      );
    }
  }

  // Reachability from the entry, following jumps, fall-through, calls and function references.
  const seen = new Uint8Array(slots);
  const work: number[] = [0];
  seen[0] = 1;
  const visit = (pc: number): void => {
    if (pc >= 0 && pc < slots && seen[pc] === 0) {
      seen[pc] = 1;
      work.push(pc);
    }
  };
  while (work.length > 0) {
    const pc = work.pop() as number;
    const insn = insns[program.indexOfPc[pc] as number] as Insn;
    const callee = calleeOf(insn);
    if (callee !== null) visit(callee);
    if (insn.code === Code.EXIT) continue;
    const t = jumpTargetOf(insn);
    if (t !== null) {
      visit(t);
      if (insn.code === Code.JA || insn.code === Code.JA32) continue;
    }
    visit(pc + (insn.code === Code.LDDW ? 2 : 1));
  }
  for (const insn of insns) {
    if (seen[insn.pc] === 0) {
      throw new VerifyError('VERIFY_UNREACHABLE', `unreachable insn ${insn.pc}`, { insn: insn.pc });
    }
  }

  // Call graph: no cycles, no chain deeper than MAX_CALL_FRAMES.
  const calls: [number, number][][] = subprogs.map(() => []);
  for (const insn of insns) {
    const t = calleeOf(insn);
    if (t !== null) calls[subprogOf[insn.pc] as number]?.push([insn.pc, subprogOf[t] as number]);
  }
  const onPath = new Uint8Array(subprogs.length);
  const done = new Uint8Array(subprogs.length);
  const cycles = (sp: number, site: number): void => {
    if (onPath[sp] === 1) {
      throw new VerifyError('VERIFY_RECURSION', `recursive call from insn ${site}`, { insn: site });
    }
    if (done[sp] === 1) return;
    onPath[sp] = 1;
    for (const [pc, callee] of calls[sp] ?? []) cycles(callee, pc);
    onPath[sp] = 0;
    done[sp] = 1;
  };
  cycles(0, 0);
  // The graph is acyclic now; report the call that makes the first too-deep frame.
  const deepest = new Int32Array(subprogs.length);
  const depth = (sp: number, frames: number, site: number): void => {
    if (frames > MAX_CALL_FRAMES) {
      throw new VerifyError('VERIFY_CALL_DEPTH', `the call stack of ${frames} frames is too deep`, {
        insn: site,
      });
    }
    if ((deepest[sp] as number) >= frames) return;
    deepest[sp] = frames;
    for (const [pc, callee] of calls[sp] ?? []) depth(callee, frames + 1, pc);
  };
  depth(0, 1, 0);
  return { subprogs, subprogOf, calls };
}

/** Stack a frame reserves: the deepest byte used, rounded up to 32 (at least 32, as the kernel). */
export const frameStack = (depth: number): number => Math.ceil(Math.max(depth, 1) / 32) * 32;

/**
 * Check that no call chain needs more than 512 bytes of stack. `depths[i]` is the deepest stack
 * byte subprogram i uses (measured by the abstract walk).
 */
export function checkStackDepth(s: Structure, depths: readonly number[]): void {
  const walk = (sp: number, above: number, site: number): void => {
    const total = above + frameStack(depths[sp] ?? 0);
    if (total > MAX_STACK) {
      throw new VerifyError(
        'VERIFY_STACK_DEPTH',
        `combined stack size of the call chain is ${total}. Too large`,
        { insn: site },
      );
    }
    for (const [pc, callee] of s.calls[sp] ?? []) walk(callee, total, pc);
  };
  walk(0, 0, 0);
}
