// The contents of an object's maps (an ELF object on the Vm or an AOT module: any
// ObjectRuntime) as `run` prints them after its runs: one JSON entry per element (`{key, value}`,
// per-CPU maps `{key, values}` with one value per virtual CPU), and the same as text.
// What has no meaningful "value" is shown as what it stands for:
//   ring buffers and perf event arrays hold events, not elements: left out (`run` prints their
//     records after each run instead);
//   prog arrays: filled slots only, the value is the program's id (its index in `info`);
//   arrays/hashes of maps: filled slots only, `{key, inner}` naming the inner map (the stored
//     value is an address in the VM's memory, which means nothing outside it);
//   queues and stacks: `{value}` per element in the order a program would pop them, read
//     without changing the map (popped, then pushed back).

import { hexString } from '../conformance/hex.js';
import { type BpfMap, MapType } from '../runtime/maps/index.js';
import type { ObjectRuntime } from '../runtime/object/runtime.js';

export interface MapEntryJson {
  readonly key?: string;
  readonly value?: string;
  readonly values?: readonly string[];
  readonly inner?: string;
}

const PER_CPU = new Set<number>([
  MapType.PERCPU_ARRAY,
  MapType.PERCPU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

/** Map types whose records are events, not elements. */
const EVENT_MAPS = new Set<number>([MapType.RINGBUF, MapType.PERF_EVENT_ARRAY]);

export function isEventMap(map: BpfMap): boolean {
  return EVENT_MAPS.has(map.type);
}

/** Queue or stack elements in pop order, leaving the map as it was. */
function queueElements(map: BpfMap): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let v = map.pop(); v !== null; v = map.pop()) out.push(v);
  // A queue gives back its oldest first, so pushing in that order restores it; a stack gives its
  // newest first, so it is restored from the far end.
  const order = map.type === MapType.STACK ? [...out].reverse() : out;
  for (const v of order) map.push(v);
  return out;
}

/** The elements of one map (see the header for what each kind shows). */
export function mapEntries(map: BpfMap): MapEntryJson[] {
  if (map.type === MapType.QUEUE || map.type === MapType.STACK) {
    return queueElements(map).map((v) => ({ value: hexString(v) }));
  }
  const out: MapEntryJson[] = [];
  for (const key of map.keys()) {
    const k = hexString(key);
    if (map.type === MapType.PROG_ARRAY) {
      const index = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
      const id = map.programAt(index);
      if (id !== null) out.push({ key: k, value: hexString(u32(id)) });
    } else if (map.type === MapType.ARRAY_OF_MAPS || map.type === MapType.HASH_OF_MAPS) {
      const inner = map.innerAt(key);
      if (inner !== null) out.push({ key: k, inner: inner.name });
    } else if (PER_CPU.has(map.type)) {
      const values = map.lookupPerCpu(key);
      if (values !== null) out.push({ key: k, values: values.map(hexString) });
    } else {
      const value = map.lookup(key);
      if (value !== null) out.push({ key: k, value: hexString(value) });
    }
  }
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Every map of the object but the event maps, by name, in the object's order. */
export function dumpMaps(obj: ObjectRuntime): Record<string, MapEntryJson[]> {
  const out: Record<string, MapEntryJson[]> = {};
  for (const map of obj.maps) if (!isEventMap(map)) out[map.name] = mapEntries(map);
  return out;
}

function isZero(hex: string): boolean {
  return /^0*$/.test(hex);
}

/**
 * The maps as text: a heading per map, then `key K value V` lines. Array elements still all
 * zero are counted rather than listed (a 256-entry counter array is mostly zeros).
 */
export function mapsText(obj: ObjectRuntime, typeName: (map: BpfMap) => string): string[] {
  const lines: string[] = [];
  for (const map of obj.maps) {
    if (isEventMap(map)) continue;
    const entries = mapEntries(map);
    const isArray = map.type === MapType.ARRAY || map.type === MapType.PERCPU_ARRAY;
    const shown = isArray
      ? entries.filter((e) => !isZero(e.value ?? '') || (e.values ?? []).some((v) => !isZero(v)))
      : entries;
    const count = `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`;
    lines.push(`map ${map.name} (${typeName(map)}, ${count}):`);
    for (const e of shown) {
      const key = e.key !== undefined ? `key ${e.key} ` : '';
      if (e.inner !== undefined) lines.push(`  ${key}inner ${e.inner}`);
      else if (e.values !== undefined) lines.push(`  ${key}values ${e.values.join(' ')}`);
      else lines.push(`  ${key}value ${e.value ?? ''}`);
    }
    const hidden = entries.length - shown.length;
    if (hidden > 0)
      lines.push(`  (${hidden} zero ${hidden === 1 ? 'entry' : 'entries'} not shown)`);
  }
  return lines;
}
