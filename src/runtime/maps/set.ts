// Creating an object's maps in the VM memory, in three steps: place descriptors and storage
// after everything else in the memory (layoutMaps), write the descriptors and global data
// (writeMaps), then expose value storage as regions for the interpreter and hand back the
// MapSet (mapSetOf). create.ts does all three with maps.wat's own instance; an AOT module carries
// the written image and the map code itself, so its runtime only lays out and wraps (and never
// loads maps.wasm).

import { BpfError } from '../../errors.js';
import type { VmMemory } from '../memory.js';
import { currentCpu, setCurrentCpu } from './cpu.js';
import { Arena, DESC_SIZE, placeMap, round8, type MapPlacement } from './layout.js';
import { BpfMap, type MapContext } from './map.js';
import type { MapExports } from './module.js';
import type { MapDef } from './types.js';

export interface CreateMapsOptions {
  /** Virtual CPUs for per-CPU maps and perf buffers (default 1). */
  readonly cpus?: number | undefined;
  /** Bytes per perf event buffer, a power of two >= 4096 (default 64 KiB). */
  readonly perfBufferSize?: number | undefined;
  /**
   * First address of the map area (default: the current end of the memory, which lies past
   * the data area the VmMemory was created with).
   */
  readonly base?: number | undefined;
}

export class MapSet implements Iterable<BpfMap> {
  /** Virtual CPUs. */
  readonly cpus: number;
  /** The map area: [base, end). */
  readonly base: number;
  readonly end: number;
  private readonly byName = new Map<string, BpfMap>();
  private readonly byAddr = new Map<number, BpfMap>();

  constructor(
    readonly memory: VmMemory,
    /** The Wasm map operations (helper exports for the JIT, host entries). */
    readonly exports: MapExports,
    placements: readonly MapPlacement[],
    ctx: Omit<MapContext, 'byAddress'>,
    area: { base: number; end: number; cpus: number },
  ) {
    this.cpus = area.cpus;
    this.base = area.base;
    this.end = area.end;
    const full: MapContext = { ...ctx, byAddress: (a) => this.byAddr.get(a) };
    for (const p of placements) {
      const map = new BpfMap(full, p);
      this.byName.set(map.name, map);
      this.byAddr.set(map.descriptorAddress, map);
    }
  }

  /** The map called `name`; throws BAD_MAP when there is none. */
  get(name: string): BpfMap {
    const map = this.byName.get(name);
    if (map === undefined) throw new BpfError('run', 'BAD_MAP', `no map named ${name}`);
    return map;
  }

  find(name: string): BpfMap | undefined {
    return this.byName.get(name);
  }

  /** The map whose descriptor is at `address` (what a program holds in a register). */
  atAddress(address: number): BpfMap | undefined {
    return this.byAddr.get(address);
  }

  get size(): number {
    return this.byName.size;
  }

  [Symbol.iterator](): Iterator<BpfMap> {
    return this.byName.values();
  }

  /** The virtual CPU programs run on now (bpf_get_smp_processor_id). */
  get currentCpu(): number {
    return currentCpu(this.memory);
  }

  set currentCpu(cpu: number) {
    setCurrentCpu(this.memory, cpu, this.cpus);
  }
}

/** Where an object's maps go: every placement, the host staging slots and the area's bounds. */
export interface MapsLayout {
  readonly placements: readonly MapPlacement[];
  readonly stage: MapContext['stage'];
  readonly base: number;
  readonly end: number;
  readonly cpus: number;
}

/**
 * Place `defs` after everything else in `memory` (or at `opts.base`): a pure computation, so the
 * same definitions and options always give the same addresses (the AOT runtime relies on it).
 */
export function layoutMaps(
  memory: VmMemory,
  defs: readonly MapDef[],
  opts: CreateMapsOptions = {},
): MapsLayout {
  const cpus = opts.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 1024) {
    throw new BpfError('load', 'BAD_MAP', `cpus ${cpus} is outside 1..1024`);
  }
  const names = new Set<string>();
  for (const d of defs) {
    if (names.has(d.name)) throw new BpfError('load', 'BAD_MAP', `two maps are named ${d.name}`);
    names.add(d.name);
  }
  const base = opts.base ?? memory.size;
  const arena = new Arena(base);
  const descs = arena.alloc(defs.length * DESC_SIZE, 64);
  // Host staging: a key, a second key for get_next_key, and every CPU's value.
  const maxKey = Math.max(8, ...defs.map((d) => round8(d.keySize)));
  const maxValue = Math.max(8, ...defs.map((d) => round8(d.valueSize))) * cpus;
  const stage = {
    key: arena.alloc(maxKey),
    next: arena.alloc(maxKey),
    value: arena.alloc(maxValue),
  };
  const layoutOpts = { cpus, perfBufferSize: opts.perfBufferSize ?? 0x10000 };
  const placements = defs.map((d, i) => placeMap(d, descs + i * DESC_SIZE, arena, layoutOpts));
  const end = arena.alloc(0, 4096);
  return { placements, stage, base, end, cpus };
}

/** Write the maps' initial image: zeroed storage, descriptors, ring pages, global data. */
export function writeMaps(memory: VmMemory, layout: MapsLayout): void {
  memory.ensure(layout.end);
  // A fresh memory is zero already, but an explicit base may reuse dirty bytes.
  memory.bytes.fill(0, layout.base, layout.end);
  const view = memory.view;
  for (const p of layout.placements) {
    for (const [off, value] of p.fields) view.setUint32(p.desc + off, value, true);
    if (p.ringPage !== 0) view.setUint32(p.ringPage, p.desc, true);
    if (p.def.data !== undefined) memory.bytes.set(p.def.data, p.data);
  }
}

/**
 * The MapSet over maps already in memory, served by `exports` (maps.wat instantiated on its own,
 * or the same functions linked into an AOT module). Declares the value storage as regions.
 */
export function mapSetOf(memory: VmMemory, layout: MapsLayout, exports: MapExports): MapSet {
  memory.ensure(layout.end);
  for (const p of layout.placements) {
    if (p.region !== null) memory.setRegion({ name: `map:${p.def.name}`, ...p.region });
  }
  const { base, end, cpus, stage } = layout;
  return new MapSet(
    memory,
    exports,
    layout.placements,
    { memory, exports, stage },
    { base, end, cpus },
  );
}
