// bpf_redirect_map(map, key, flags) (51) for xdp programs on devmap, devmap_hash and cpumap
// maps, following the kernel's __bpf_xdp_redirect_map (net/core/filter.c): flags outside the
// fallback action (low 2 bits, XDP_ABORTED..XDP_TX) and the bits the map type allows
// (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS for devmaps, none for a cpumap) give XDP_ABORTED; a
// populated slot gives XDP_REDIRECT and becomes the redirect target; an empty one gives
// `flags & 3` and clears the target (the last lookup wins, as in the kernel), unless the flags
// ask for a broadcast, which redirects whatever the slot holds. The key is the low 32 bits of
// r2, as the kernel's u32 lookups truncate it.
//
// A test run sends nothing (BPF_PROG_TEST_RUN returns XDP_REDIRECT and the frame unchanged):
// the target is only recorded, readable with redirectTargetOf. Other map types (the kernel's
// verifier accepts only devmap, devmap_hash, cpumap and xskmap here, and the VM has no xskmap)
// are a run-time error for programs that run unverified.

import { RunError } from '../../errors.js';
import type { HelperCall, HelperRegistry } from '../helpers.js';
import { ARGS_SLOT } from '../layout.js';
import type { MapSet } from '../maps/index.js';
import { Kind, MapType } from '../maps/types.js';
import type { VmMemory } from '../memory.js';

export const REDIRECT_MAP_HELPER = 51;

const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback action on a failed lookup. */
const ACTION_MASK = 3n;
const BPF_F_BROADCAST = 1n << 3n;
const BPF_F_EXCLUDE_INGRESS = 1n << 4n;
const DEVMAP_FLAGS = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
/** r2 in ARGS_SLOT: its low u32 is the key, read there by the map code without copying. */
const KEY_ARG = ARGS_SLOT + 8;

/** Where the last successful bpf_redirect_map of a run sends the frame. */
export interface RedirectTarget {
  readonly map: string;
  readonly key: number;
  /** BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS as given (0 for a unicast redirect). */
  readonly flags: number;
}

/** Mutable so a redirect records its target without allocating. */
interface TargetState {
  set: boolean;
  map: string;
  key: number;
  flags: number;
}

const targets = new WeakMap<VmMemory, TargetState>();

/** The redirect target recorded by the last bpf_redirect_map call in `memory`, if it succeeded. */
export function redirectTargetOf(memory: VmMemory): RedirectTarget | undefined {
  const t = targets.get(memory);
  return t === undefined || !t.set ? undefined : { map: t.map, key: t.key, flags: t.flags };
}

/** bpf_redirect_map on the devmaps and cpumaps of `maps`. */
export function redirectMapOf(maps: MapSet): (call: HelperCall) => number {
  const state: TargetState = { set: false, map: '', key: 0, flags: 0 };
  targets.set(maps.memory, state);
  const lookup = maps.exports.host_lookup;
  return (call: HelperCall): number => {
    const map = maps.atAddress(call.u32(1));
    if (map === undefined || (map.kind !== Kind.DEV_ARRAY && map.kind !== Kind.DEV_HASH)) {
      const what = map === undefined ? 'r1 is not a map' : `map ${map.name} is no devmap or cpumap`;
      throw new RunError('HELPER_FAILED', `redirect_map: ${what}`, { insn: call.pc });
    }
    const flags = call.arg(3);
    const allowed = map.type === MapType.CPUMAP ? ACTION_MASK : ACTION_MASK | DEVMAP_FLAGS;
    if ((flags & ~allowed) !== 0n) return XDP_ABORTED;
    const broadcast = (flags & BPF_F_BROADCAST) !== 0n;
    if (lookup(map.descriptorAddress, KEY_ARG, 0) === 0 && !broadcast) {
      state.set = false;
      return Number(flags & ACTION_MASK);
    }
    state.set = true;
    state.map = map.name;
    state.key = call.u32(2);
    state.flags = broadcast ? Number(flags & DEVMAP_FLAGS) : 0;
    return XDP_REDIRECT;
  };
}

/** Register bpf_redirect_map over `maps` unless someone registered id 51 already. */
export function registerRedirectMap(registry: HelperRegistry, maps: MapSet): HelperRegistry {
  if (!registry.has(REDIRECT_MAP_HELPER)) {
    registry.register(REDIRECT_MAP_HELPER, redirectMapOf(maps), 'redirect_map');
  }
  return registry;
}
