// createMaps: an object's maps in a VM memory, served by an instance of maps.wat of their own
// (layout, initial image, MapSet, then the maps-of-maps initialisers).

import { BpfError } from '../../errors.js';
import type { VmMemory } from '../memory.js';
import { instantiateMaps } from './module.js';
import { type CreateMapsOptions, layoutMaps, type MapSet, mapSetOf, writeMaps } from './set.js';
import { isMapInMap, type MapDef } from './types.js';

/** Create `defs` in `memory`. Map names must be unique. */
export function createMaps(
  memory: VmMemory,
  defs: readonly MapDef[],
  opts: CreateMapsOptions = {},
): MapSet {
  const layout = layoutMaps(memory, defs, opts);
  writeMaps(memory, layout);
  const set = mapSetOf(memory, layout, instantiateMaps(memory));
  setInnerMaps(set, defs);
  return set;
}

/** Apply the `values = { [i] = &inner }` initialisers of maps of maps. */
function setInnerMaps(set: MapSet, defs: readonly MapDef[]): void {
  for (const d of defs) {
    const outer = set.get(d.name);
    for (const init of d.initialValues ?? []) {
      if (init.kind !== 'map') continue;
      const inner = set.find(init.name);
      if (inner === undefined || !isMapInMap(outer.type)) {
        throw new BpfError(
          'load',
          'BAD_MAP',
          `map ${d.name}: slot ${init.index} names map ${init.name}`,
        );
      }
      try {
        outer.setInner(init.index, inner);
      } catch (cause) {
        throw new BpfError('load', 'BAD_MAP', `map ${d.name}: cannot set slot ${init.index}`, {
          cause,
        });
      }
    }
  }
}
