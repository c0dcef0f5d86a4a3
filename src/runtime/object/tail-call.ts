// bpf_tail_call (helper 12) for the programs of one object. A successful tail call does not
// return to the caller: the running program is left, and the object's run loop (runtime.ts)
// starts the target with the same context. The count follows the kernel: at most
// MAX_TAIL_CALL_CNT per run, counted before the slot is looked at (so a call to an empty slot
// counts too, as in the kernel's JITs); a failed tail call returns -ENOENT and the program goes
// on.
//
// Two ways to leave the caller, the helper picks one per call:
//
// - By returns (the common case). Code generated for a program that can tail call
//   (src/jit/codegen.ts, also behind AOT modules) arms the state word at TAIL_CALL_SLOT just
//   before every call that may reach this helper (`call 12`, callx), and checks it after each of
//   those and after every bpf-to-bpf call, returning from the function when it reads PENDING;
//   the interpreter arms its calls to helper 12 and leaves `exec` the same way. The helper
//   records the call (in this object's TailCallState and in the slot) and returns; the program
//   unwinds by plain returns and the run loop finds `state.pending`. A throw through Wasm frames
//   cost ~2.5 us a tail call; this costs a helper call and a few loads.
// - By throwing the object's TailCall (a RunError, let through by both engines and caught by the
//   run loop), whenever returning would not unwind the whole program: the caller did not arm the
//   word (code compiled before the checks existed), no run loop is running (an Executable of the
//   object run directly: the error TAIL_CALL), or the call is made inside a callback (bpf_loop):
//   returning there would only end one callback and let the loop go on. The object's
//   TailCallRegistry counts the JS helper calls in progress to tell (a callback only ever runs
//   inside a helper call).
//
// The throw is control flow, so it stays cheap: each object throws one TailCall built once, its
// fields rewritten per call (a new Error per call captured a stack trace, ~12 us), and the
// registry calls this helper outside the try/catch that wraps the others.

import { idOf } from '../helpers/ids.js';
import { RunError } from '../../errors.js';
import { type HelperCall, type HelperFn, HelperRegistry } from '../helpers.js';
import { TAIL_CALL_SLOT, TailCallWord } from '../layout.js';
import type { MapSet } from '../maps/index.js';

export const MAX_TAIL_CALL_CNT = 33;
/** bpf_tail_call's id in linux/bpf.h. */
export const TAIL_CALL_HELPER = idOf('tail_call');

/**
 * The tail call taken last, and what the helper throws when it cannot return. One instance per
 * object, reused: read its fields when you catch it (or when TailCallState.pending is set), they
 * change with the next tail call. Seen outside an object's run loop (an Executable of the object
 * run directly), it is the error TAIL_CALL.
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

/** Per-object state the helper shares with the run loop and the object's registry. */
export class TailCallState {
  /** Tail calls taken in the run in progress (the loop resets it for every run). */
  count = 0;
  /** Set by the run loop while it runs a program: only then may the helper return. */
  running = false;
  /**
   * JS helper calls in progress, counted by TailCallRegistry (bpf_tail_call itself excluded): a
   * tail call made while it is above 0 comes from a callback. The loop resets it for every run;
   * a helper that throws leaves it too high, which only makes tail calls take the throw.
   */
  depth = 0;
  /** The helper recorded a tail call in `signal` and returned: compiled code is unwinding. */
  pending = false;
  readonly signal = new TailCall();
}

const ENOENT = -2;

/**
 * bpf_tail_call(ctx, prog_array, index) of an object with `programCount` programs: returns
 * -ENOENT when it does not happen; when it does, records it and returns 0 (armed compiled code
 * in a run loop, outside callbacks) or throws `state.signal`.
 */
export function tailCall(
  call: HelperCall,
  maps: MapSet,
  programCount: number,
  state: TailCallState,
): number {
  const view = call.memory.view;
  // Consume the arm on every call, so it never outlives the call it was written for.
  const armed = view.getInt32(TAIL_CALL_SLOT, true) === TailCallWord.ARMED;
  if (armed) view.setInt32(TAIL_CALL_SLOT, TailCallWord.IDLE, true);
  const map = call.u32(2);
  if (maps.atAddress(map) === undefined) return ENOENT;
  const index = call.arg(3);
  if (index > 0xffff_ffffn) return ENOENT;
  if (state.count >= MAX_TAIL_CALL_CNT) return ENOENT;
  state.count++;
  const target = maps.exports.tail_call_target(map, Number(index));
  if (target < 0 || target >= programCount) return ENOENT;
  const signal = state.signal;
  const ctx = call.u32(1);
  signal.target = target;
  signal.ctx = ctx;
  signal.pc = call.pc;
  if (armed && state.running && state.depth === 0) {
    view.setUint32(TAIL_CALL_SLOT + 4, target, true);
    view.setUint32(TAIL_CALL_SLOT + 8, ctx, true);
    view.setInt32(TAIL_CALL_SLOT, TailCallWord.PENDING, true);
    state.pending = true;
    return 0;
  }
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
  if (registry instanceof TailCallRegistry) {
    registry.tailCall = fn;
    registry.state = state;
  }
  return fn;
}

/**
 * An object's helper registry. It calls the object's own bpf_tail_call (still registered,
 * replaceable like any helper) directly: HelperRegistry.invoke catches what a helper throws and
 * throws it again, which for the TailCall is pure cost. Around every other helper it counts the
 * calls in progress (TailCallState.depth), which is how the helper knows it runs in a callback.
 */
export class TailCallRegistry extends HelperRegistry {
  /** The bpf_tail_call registerTailCall installed (undefined before). */
  tailCall: HelperFn | undefined = undefined;
  /** The state registerTailCall installed with it. */
  state: TailCallState | undefined = undefined;

  override invoke(id: number, call: HelperCall, pc: number): bigint {
    if (id === TAIL_CALL_HELPER) {
      const fn = this.get(id)?.fn;
      if (fn !== undefined && fn === this.tailCall) {
        call.pc = pc;
        // -ENOENT, 0 for a recorded tail call, or the TailCall thrown straight through.
        return BigInt.asUintN(64, BigInt(fn(call)));
      }
    }
    const state = this.state;
    if (state === undefined) return super.invoke(id, call, pc);
    // No finally: after a throw the run is over, and the loop resets the count for the next.
    state.depth++;
    const r0 = super.invoke(id, call, pc);
    state.depth--;
    return r0;
  }
}
