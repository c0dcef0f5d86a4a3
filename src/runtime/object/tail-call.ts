// bpf_tail_call (helper 12) for the programs of one object. A successful tail call does not
// return to the caller: the helper throws the object's TailCall carrying the target, both
// engines let it through (it is a RunError), and the object's run loop starts the target with
// the same context. The count follows the kernel: at most MAX_TAIL_CALL_CNT per run, counted
// before the slot is looked at (so a call to an empty slot counts too, as in the kernel's
// JITs); a failed tail call returns -ENOENT and the program goes on.
//
// The throw is control flow, taken up to 33 times per packet, so it must be cheap: each object
// throws one TailCall built once, its fields rewritten per call. A new Error per call captured a
// stack trace through the Wasm frames, ~12 us a tail call; what is left is V8's cost of the
// throw itself, a few hundred ns for every throw and rethrow on the way out, so the object's
// registry (TailCallRegistry) calls this helper outside the try/catch that wraps the others.

import { RunError } from '../../errors.js';
import { type HelperCall, type HelperFn, HelperRegistry } from '../helpers.js';
import type { MapSet } from '../maps/index.js';

export const MAX_TAIL_CALL_CNT = 33;
export const TAIL_CALL_HELPER = 12;

/**
 * Thrown by the helper to leave the running program for program `target`. One instance per
 * object, reused: read its fields when you catch it, they change with the next tail call. Seen
 * outside an object's run loop (an Executable of the object run directly), it is the error
 * TAIL_CALL.
 */
export class TailCall extends RunError {
  /** Id of the program to run next. */
  target = -1;
  /** The context pointer the caller passed (r1 of the call): the target's r1. */
  ctx = 0;
  /** Slot index of the call instruction. */
  pc = -1;

  constructor() {
    super('TAIL_CALL');
  }
}

/** Per-object state the helper shares with the run loop. */
export class TailCallState {
  /** Tail calls taken in the run in progress (the loop resets it for every run). */
  count = 0;
  readonly signal = new TailCall();
}

const ENOENT = -2;

/**
 * bpf_tail_call(ctx, prog_array, index) of an object with `programCount` programs: returns
 * -ENOENT when it does not happen, throws `state.signal` when it does.
 */
export function tailCall(
  call: HelperCall,
  maps: MapSet,
  programCount: number,
  state: TailCallState,
): number {
  const map = call.u32(2);
  if (maps.atAddress(map) === undefined) return ENOENT;
  const index = call.arg(3);
  if (index > 0xffff_ffffn) return ENOENT;
  if (state.count >= MAX_TAIL_CALL_CNT) return ENOENT;
  state.count++;
  const target = maps.exports.tail_call_target(map, Number(index));
  if (target < 0 || target >= programCount) return ENOENT;
  const signal = state.signal;
  signal.target = target;
  signal.ctx = call.u32(1);
  signal.pc = call.pc;
  throw signal;
}

/** Register bpf_tail_call for an object; returns the function registered. */
export function registerTailCall(
  registry: HelperRegistry,
  maps: MapSet,
  programCount: number,
  state: TailCallState,
): HelperFn {
  const fn = (call: HelperCall): number => tailCall(call, maps, programCount, state);
  registry.register(TAIL_CALL_HELPER, fn, 'tail_call');
  if (registry instanceof TailCallRegistry) registry.tailCall = fn;
  return fn;
}

/**
 * An object's helper registry. HelperRegistry.invoke catches what a helper throws and throws it
 * again (wrapping what is not a RunError); for the tail call's TailCall that second throw is
 * pure cost, so the object's own bpf_tail_call (still registered, replaceable like any helper)
 * is called directly.
 */
export class TailCallRegistry extends HelperRegistry {
  /** The bpf_tail_call registerTailCall installed (undefined before). */
  tailCall: HelperFn | undefined = undefined;

  override invoke(id: number, call: HelperCall, pc: number): bigint {
    if (id === TAIL_CALL_HELPER) {
      const fn = this.get(id)?.fn;
      if (fn !== undefined && fn === this.tailCall) {
        call.pc = pc;
        // -ENOENT, or the TailCall thrown straight through.
        return BigInt.asUintN(64, BigInt(fn(call)));
      }
    }
    return super.invoke(id, call, pc);
  }
}
