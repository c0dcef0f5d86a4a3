// The decoded instruction and program: the plain read-only data every later stage receives.

import type { Code } from './opcodes.js';

/** Size of one instruction slot in bytes. lddw takes two slots. */
export const INSN_SIZE = 8;
/** Registers r0-r10; r10 is the read-only frame pointer. */
export const NUM_REGS = 11;
export const FP_REG = 10;
/** The kernel's limit on instructions in one program (BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_INSNS = 1_000_000;

export interface Insn {
  /** Slot index of this instruction (what jumps, errors and the kernel count). */
  readonly pc: number;
  /** The instruction: opcode byte plus variant (see opcodes.ts). */
  readonly code: Code;
  readonly dst: number;
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate (for lddw: the low half). */
  readonly imm: number;
  /**
   * The immediate as an unsigned 64-bit value: for lddw the full 64-bit constant, for every other
   * instruction `imm` sign-extended to 64 bits. Precomputed so engines never convert at run time.
   */
  readonly imm64: bigint;
}

export interface Program {
  /** Instructions in order; an lddw is one entry covering two slots. */
  readonly insns: readonly Insn[];
  /** Number of 8-byte slots. */
  readonly slots: number;
  /** Slot index -> index into `insns`, or -1 for the second half of an lddw. */
  readonly indexOfPc: Int32Array;
}

/** Slot index of the instruction a jump or local call at `insn` goes to. */
export function jumpTarget(insn: Insn, useImm: boolean): number {
  return insn.pc + 1 + (useImm ? insn.imm : insn.off);
}

/** Number of slots an instruction takes. */
export function slotsOf(insn: Pick<Insn, 'code'>): 1 | 2 {
  return (insn.code & 0xff) === 0x18 ? 2 : 1;
}

/** Build a Program from instructions whose `pc` fields are already consistent. */
export function programOf(insns: readonly Insn[]): Program {
  const last = insns[insns.length - 1];
  const slots = last === undefined ? 0 : last.pc + slotsOf(last);
  const indexOfPc = new Int32Array(slots).fill(-1);
  insns.forEach((insn, i) => {
    indexOfPc[insn.pc] = i;
  });
  return { insns, slots, indexOfPc };
}
