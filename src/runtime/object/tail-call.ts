// bpf_tail_call (helper 12) for the programs of one object. A successful tail call does not
// return to the caller: the helper throws a TailCall carrying the target, both engines let it
// through (it is a RunError), and the object's run loop starts the target with the same
// context. The count follows the kernel: at most MAX_TAIL_CALL_CNT per run, counted before the
// slot is looked at (so a call to an empty slot counts too, as in the kernel's JITs); a failed
// tail call returns and the program goes on.

import { RunError } from '../../errors.js';
import type { HelperCall, HelperRegistry } from '../helpers.js';
import type { MapSet } from '../maps/index.js';

export const MAX_TAIL_CALL_CNT = 33;
export const TAIL_CALL_HELPER = 12;

/** Thrown by the helper to leave the running program for program `target`. */
export class TailCall extends RunError {
  constructor(
    readonly target: number,
    /** The context pointer the caller passed (r1 of the call): the target's r1. */
    readonly ctx: number,
    pc: number,
  ) {
    super('TAIL_CALL', `tail call to program ${target}`, { insn: pc });
  }
}

/** Per-run state the helper shares with the run loop. */
export interface TailCallState {
  count: number;
}

const ENOENT = -2;

export function registerTailCall(
  registry: HelperRegistry,
  maps: MapSet,
  programCount: number,
  state: TailCallState,
): void {
  const fn = (call: HelperCall): number => {
    const map = call.u32(2);
    if (maps.atAddress(map) === undefined) return ENOENT;
    const index = call.arg(3);
    if (index > 0xffff_ffffn) return ENOENT;
    if (state.count >= MAX_TAIL_CALL_CNT) return ENOENT;
    state.count++;
    const target = maps.exports.tail_call_target(map, Number(index));
    if (target < 0 || target >= programCount) return ENOENT;
    throw new TailCall(target, call.u32(1), call.pc);
  };
  registry.register(TAIL_CALL_HELPER, fn, 'tail_call');
}
