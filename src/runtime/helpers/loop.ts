// bpf_loop(nr_loops, callback_fn, callback_ctx, flags) (kernel/bpf/bpf_iter.c): call
// callback_fn(i, callback_ctx) for i = 0, 1, ... nr_loops-1, stopping early when it returns
// non-zero. Returns the number of iterations run (i+1 when the callback stopped it at i),
// -EINVAL for non-zero flags, -E2BIG when nr_loops exceeds BPF_MAX_LOOPS. The engine calls the
// callback through HelperCall.callback; its instructions count against the run's budget.

import { RunError } from '../../errors.js';
import type { HelperCall } from '../helpers.js';
import { E2BIG, EINVAL } from './errno.js';
import type { HelperImpl } from './types.js';

/** BPF_MAX_LOOPS in include/linux/bpf.h. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export function bpfLoop(call: HelperCall): number {
  const nrLoops = call.u32(1); // u32 in the kernel's BPF_CALL_4
  const fn = call.arg(2);
  const ctx = call.arg(3);
  if (call.arg(4) !== 0n) return -EINVAL;
  if (nrLoops > BPF_MAX_LOOPS) return -E2BIG;
  const callback = call.callback;
  if (callback === undefined) {
    throw new RunError('BAD_CALLBACK', 'this engine cannot call a bpf_loop callback', {
      insn: call.pc,
    });
  }
  if (fn > 0x7fff_ffffn) {
    throw new RunError('BAD_CALLBACK', `bpf_loop callback 0x${fn.toString(16)} is not a function`, {
      insn: call.pc,
    });
  }
  const fnPc = Number(fn);
  for (let i = 0; i < nrLoops; i++) {
    if (callback(fnPc, BigInt(i), ctx, 0n, 0n, 0n) !== 0n) return i + 1;
  }
  return nrLoops;
}

export function loopHelpers(): HelperImpl[] {
  return [{ name: 'loop', fn: bpfLoop }];
}
