// The standard helpers: everything the project implements itself apart from the map helpers
// (src/runtime/maps/) and the packet helpers of src/runtime/context/ (skb_load_bytes,
// xdp_adjust_* ...); the skb metadata helpers (get_hash_recalc, set_hash, get_socket_cookie) are
// here. registerStandardHelpers puts them into a registry under the kernel's ids; HELPER_PROTOS
// describes them (and the others) for the verifier.

import type { HelperRegistry } from '../helpers.js';
import { cpuHelpers } from './cpu.js';
import { csumHelpers } from './csum.js';
import { type HostEnv, resolveHost } from './host.js';
import { idOf } from './ids.js';
import { lockHelpers } from './lock.js';
import { loopHelpers } from './loop.js';
import { printkHelpers } from './printk.js';
import { probeHelpers } from './probe.js';
import { randomHelpers } from './random.js';
import { skbMetaHelpers } from './skb-meta.js';
import { stringHelpers } from './string.js';
import { taskHelpers } from './task.js';
import { timeHelpers } from './time.js';
import type { HelperImpl } from './types.js';

export { HELPER_NAMES, HELPER_MAX_ID, helperId, helperName, idOf, type HelperName } from './ids.js';
export { HELPER_PROTOS, protoOf } from './protos.js';
export { type HostEnv, type Host, resolveHost } from './host.js';
export { Lfsr113 } from './random.js';
export { csumAdd, csumFold } from './csum.js';
export { BPF_MAX_LOOPS } from './loop.js';
export type { HelperImpl } from './types.js';

/** The standard helpers bound to one host, each with its kernel name. */
export function standardHelpers(env: HostEnv = {}): HelperImpl[] {
  const host = resolveHost(env);
  return [
    ...timeHelpers(host),
    ...randomHelpers(host),
    ...cpuHelpers(host),
    ...taskHelpers(host),
    ...printkHelpers(host),
    ...probeHelpers(),
    ...stringHelpers(),
    ...csumHelpers(),
    ...loopHelpers(),
    ...lockHelpers(),
    ...skbMetaHelpers(host),
  ];
}

/**
 * Register the standard helpers under their kernel ids (replacing earlier ones with those ids).
 * Each call makes a fresh random generator, seeded from `env.seed`.
 */
export function registerStandardHelpers(
  registry: HelperRegistry,
  env: HostEnv = {},
): HelperRegistry {
  for (const { name, fn } of standardHelpers(env)) registry.register(idOf(name), fn, name);
  return registry;
}
