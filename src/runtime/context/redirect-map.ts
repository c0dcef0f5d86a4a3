// bpf_redirect_map(map, key, flags) (51) for xdp programs, following the kernel's
// __bpf_xdp_redirect_map (include/linux/filter.h): flags other than the fallback action (low 2
// bits, XDP_ABORTED..XDP_TX) and the devmap broadcast bits give XDP_ABORTED; a populated slot
// gives XDP_REDIRECT and becomes the redirect target; an empty one gives `flags & 3` and clears
// the target (the last lookup wins, as in the kernel). A test run sends nothing: the target is
// only recorded, readable with redirectTargetOf.
//
// The maps runtime has no devmap, cpumap or xskmap (MAP_UNSUPPORTED at creation), so the map a
// program passes is an array or hash standing in for one, read as the kernel reads those maps:
// - an array slot is populated when its first u32 is non-zero (a devmap slot holds an ifindex
//   and a cpumap slot a queue size; the kernel stores an empty slot for 0);
// - a hash element is populated when the key is present (devmap_hash).
// Keys are u32 (the kernel truncates the u64 argument to the maps' 32-bit keys). Other map kinds
// are a run-time error. The verifier accepts only the real map types for this helper, as the
// kernel does, so programs using a stand-in run with verification off.

import { RunError } from '../../errors.js';
import type { HelperCall, HelperRegistry } from '../helpers.js';
import type { MapSet } from '../maps/index.js';
import { Kind } from '../maps/types.js';
import type { VmMemory } from '../memory.js';

export const REDIRECT_MAP_HELPER = 51;

const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;
/** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback action on a failed lookup. */
const ACTION_MASK = 3n;
const BPF_F_BROADCAST = 1n << 3n;
const BPF_F_EXCLUDE_INGRESS = 1n << 4n;

/** Where the last successful bpf_redirect_map of a run sends the frame. */
export interface RedirectTarget {
  readonly map: string;
  readonly key: number;
  /** BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS as given (0 for a unicast redirect). */
  readonly flags: number;
}

const targets = new WeakMap<VmMemory, RedirectTarget>();

/** The redirect target recorded by the last bpf_redirect_map call in `memory`, if it succeeded. */
export function redirectTargetOf(memory: VmMemory): RedirectTarget | undefined {
  return targets.get(memory);
}

/** bpf_redirect_map on the maps of `maps` (see the header for what a populated slot is). */
export function redirectMapOf(maps: MapSet): (call: HelperCall) => number {
  return (call: HelperCall): number => {
    const map = maps.atAddress(call.u32(1));
    if (map === undefined) {
      throw new RunError('HELPER_FAILED', 'redirect_map: r1 is not a map', { insn: call.pc });
    }
    const flags = call.arg(3);
    if ((flags & ~(ACTION_MASK | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) !== 0n) {
      return XDP_ABORTED;
    }
    const key = call.u32(2);
    const broadcast = (flags & BPF_F_BROADCAST) !== 0n;
    let populated: boolean;
    if (map.kind === Kind.ARRAY) {
      const at = map.valueAddress(key);
      const view = call.memory.view;
      populated =
        at !== null && (map.valueSize >= 4 ? view.getUint32(at, true) : view.getUint8(at)) !== 0;
    } else if (map.kind === Kind.HASH && map.keySize === 4) {
      populated = map.valueAddress(key) !== null;
    } else {
      throw new RunError(
        'HELPER_FAILED',
        `redirect_map: map ${map.name} (type ${map.type}) cannot stand in for a devmap`,
        { insn: call.pc },
      );
    }
    if (!populated && !broadcast) {
      targets.delete(call.memory);
      return Number(flags & ACTION_MASK);
    }
    targets.set(call.memory, {
      map: map.name,
      key,
      flags: broadcast ? Number(flags & (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)) : 0,
    });
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
