// How many call frames a run of a program can write: the run loop zeroes only those before a run
// (a fresh stack, as the kernel gives each run, for the price of the part a program can touch).
// From the bytecode, for VmObject at load and for the AOT compiler, which records the number in
// the manifest so the light runtime needs no ISA code.

import type { Program } from '../../isa/insn.js';
import { Code, LddwSrc } from '../../isa/opcodes.js';
import { MAX_FRAMES } from '../layout.js';

/**
 * Stack frames a run of `program` may write: 1 without bpf-to-bpf calls and function pointers
 * (callbacks run in the frame above their caller's), all MAX_FRAMES with them.
 */
export function stackFramesOf(program: Program): number {
  for (const insn of program.insns) {
    if (insn.code === Code.CALL_LOCAL) return MAX_FRAMES;
    if (insn.code === Code.LDDW && insn.src === LddwSrc.FUNC) return MAX_FRAMES;
  }
  return 1;
}
