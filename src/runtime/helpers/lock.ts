// bpf_spin_lock / bpf_spin_unlock on a struct bpf_spin_lock (one u32) inside a map value. A run
// is single-threaded, so a lock is never contended: taking it sets the word to 1, releasing it
// clears it. Taking a lock that is already held would spin forever in the kernel (the verifier
// rejects programs that can do it); here it stops the run with DEADLOCK at the call. Releasing a
// lock that is not held just leaves it clear.

import { RunError } from '../../errors.js';
import type { HelperCall } from '../helpers.js';
import { checkWritable } from './access.js';
import type { HelperImpl } from './types.js';

export function spinLock(call: HelperCall): number {
  const lock = call.u32(1);
  checkWritable(call, lock, 4);
  const dv = call.memory.view;
  if (dv.getUint32(lock, true) !== 0) {
    throw new RunError('DEADLOCK', `bpf_spin_lock at 0x${lock.toString(16)} is already held`, {
      insn: call.pc,
    });
  }
  dv.setUint32(lock, 1, true);
  return 0;
}

export function spinUnlock(call: HelperCall): number {
  const lock = call.u32(1);
  checkWritable(call, lock, 4);
  call.memory.view.setUint32(lock, 0, true);
  return 0;
}

export function lockHelpers(): HelperImpl[] {
  return [
    { name: 'spin_lock', fn: spinLock },
    { name: 'spin_unlock', fn: spinUnlock },
  ];
}
