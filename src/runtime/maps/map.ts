// The host's handle on one map. Every operation goes through the same Wasm exports programs use
// (maps.wat): keys and values are staged in a scratch area of linear memory, the export runs,
// and results are copied out. Errors come back as the kernel's -errno and are thrown as MapError.

import { BpfError, RunError } from '../../errors.js';
import type { VmMemory } from '../memory.js';
import { currentCpu } from './cpu.js';
import { MapError } from './error.js';
import { DESC, type MapPlacement } from './layout.js';
import type { MapExports } from './module.js';
import { PerfReader } from './perf.js';
import { RingBufferReader } from './ringbuf.js';
import { Errno, Kind, MapType, isMapInMap, type KindValue } from './types.js';

/** A key or value: raw bytes, or an integer stored little-endian in the map's key/value size. */
export type MapBytes = Uint8Array | number | bigint;

/** What a BpfMap shares with the rest of its MapSet. */
export interface MapContext {
  readonly memory: VmMemory;
  readonly exports: MapExports;
  /** Scratch addresses for staging a key, a second key (next_key), and a value. */
  readonly stage: { readonly key: number; readonly next: number; readonly value: number };
  readonly byAddress: (address: number) => BpfMap | undefined;
}

export class BpfMap {
  readonly name: string;
  /** enum bpf_map_type. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Values per element: the number of virtual CPUs for per-CPU maps, else 1. */
  readonly cpus: number;
  /** Address of the map's descriptor: what `lddw rX, map` is relocated to. */
  readonly descriptorAddress: number;
  readonly kind: KindValue;
  private readonly stride: number;
  private ring: RingBufferReader | undefined;
  private perf: PerfReader | undefined;

  constructor(
    private readonly ctx: MapContext,
    placement: MapPlacement,
  ) {
    const view = ctx.memory.view;
    this.name = placement.def.name;
    this.type = placement.type;
    this.keySize = placement.def.keySize;
    this.valueSize = placement.def.valueSize;
    this.maxEntries = view.getUint32(placement.desc + DESC.MAX_ENTRIES, true);
    this.flags = placement.def.flags ?? 0;
    this.cpus = placement.ncpus;
    this.descriptorAddress = placement.desc;
    this.kind = placement.kind;
    this.stride = placement.stride;
  }

  /** Elements in a hash or LPM map. */
  get count(): number {
    return this.ctx.memory.view.getUint32(this.descriptorAddress + DESC.COUNT, true);
  }

  /** The value for `key` (the current CPU's for per-CPU maps), or null. */
  lookup(key: MapBytes): Uint8Array | null {
    const at = this.valueAddress(key);
    return at === null ? null : this.ctx.memory.bytes.slice(at, at + this.valueSize);
  }

  /** Every CPU's value for `key`, or null. */
  lookupPerCpu(key: MapBytes): Uint8Array[] | null {
    const out: Uint8Array[] = [];
    const k = this.stageKey(key);
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const at = this.ctx.exports.host_lookup(this.descriptorAddress, k, cpu);
      if (at === 0) return null;
      out.push(this.ctx.memory.bytes.slice(at, at + this.valueSize));
    }
    return out;
  }

  lookupU32(key: MapBytes): number | null {
    const at = this.valueAddress(key);
    return at === null ? null : this.ctx.memory.view.getUint32(at, true);
  }

  lookupU64(key: MapBytes): bigint | null {
    const at = this.valueAddress(key);
    return at === null ? null : this.ctx.memory.view.getBigUint64(at, true);
  }

  /**
   * Address of the value for `key` in linear memory (current CPU), or null. For global data,
   * `valueAddress(0)` is what `lddw rX, map_value + off` is relocated to (plus off).
   */
  valueAddress(key: MapBytes): number | null {
    const cpu = this.cpus > 1 ? currentCpu(this.ctx.memory) % this.cpus : 0;
    const at = this.ctx.exports.host_lookup(this.descriptorAddress, this.stageKey(key), cpu);
    return at === 0 ? null : at;
  }

  /**
   * Insert or replace (flags: UpdateFlag ANY, NOEXIST, EXIST). A per-CPU map gets the same
   * value on every CPU. Throws MapError with the kernel's errno (E2BIG, EEXIST, ENOENT...).
   */
  update(key: MapBytes, value: MapBytes, flags = 0): void {
    const bytes = this.encode(value, this.valueSize, 'value');
    this.updatePerCpu(
      key,
      Array.from({ length: this.cpus }, () => bytes),
      flags,
    );
  }

  updateU32(key: MapBytes, value: number, flags = 0): void {
    this.update(key, this.encode(value, 4, 'value'), flags);
  }

  updateU64(key: MapBytes, value: bigint | number, flags = 0): void {
    this.update(key, this.encode(BigInt(value), 8, 'value'), flags);
  }

  /** Update with one value per CPU (values.length must equal `cpus`). */
  updatePerCpu(key: MapBytes, values: readonly MapBytes[], flags = 0): void {
    if (values.length !== this.cpus) {
      throw new RunError(
        'BAD_INPUT',
        `map ${this.name}: ${values.length} values for ${this.cpus} CPUs`,
      );
    }
    const k = this.stageKey(key);
    const bytes = this.ctx.memory.bytes;
    const at = this.ctx.stage.value;
    bytes.fill(0, at, at + this.stride * this.cpus);
    values.forEach((v, cpu) =>
      bytes.set(this.encode(v, this.valueSize, 'value'), at + cpu * this.stride),
    );
    const r = this.ctx.exports.host_update(this.descriptorAddress, k, at, BigInt(flags));
    if (r < 0) throw new MapError(this.name, 'update', -r);
  }

  /** Remove `key`; false when it was not there. Throws MapError (EINVAL on arrays). */
  delete(key: MapBytes): boolean {
    const r = this.ctx.exports.host_delete(this.descriptorAddress, this.stageKey(key));
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw new MapError(this.name, 'delete', -r);
    return true;
  }

  /**
   * The key after `key` (the first key when `key` is null or no longer in the map), or null at
   * the end: BPF_MAP_GET_NEXT_KEY.
   */
  nextKey(key: MapBytes | null): Uint8Array | null {
    const { stage, exports, memory } = this.ctx;
    const k = key === null ? 0 : this.stageKey(key);
    const r = exports.host_next_key(this.descriptorAddress, k, stage.next);
    if (r === -Errno.ENOENT) return null;
    if (r < 0) throw new MapError(this.name, 'get_next_key', -r);
    return memory.bytes.slice(stage.next, stage.next + this.keySize);
  }

  *keys(): IterableIterator<Uint8Array> {
    for (let k = this.nextKey(null); k !== null; k = this.nextKey(k)) yield k;
  }

  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v !== null) yield [k, v];
    }
  }

  // ---- queue and stack (BPF_MAP_TYPE_QUEUE / STACK)

  /** Push (flags EXIST: drop the oldest element when full). Throws MapError E2BIG when full. */
  push(value: MapBytes, flags = 0): void {
    const at = this.stageValue(value);
    const r = this.ctx.exports.map_push_elem(
      BigInt(this.descriptorAddress),
      BigInt(at),
      BigInt(flags),
      0n,
      0n,
    );
    if (r < 0n) throw new MapError(this.name, 'push', Number(-r));
  }

  /** Take the next element (queue: oldest, stack: newest), or null when empty. */
  pop(): Uint8Array | null {
    return this.take(this.ctx.exports.map_pop_elem, 'pop');
  }

  peek(): Uint8Array | null {
    return this.take(this.ctx.exports.map_peek_elem, 'peek');
  }

  // ---- prog array and maps of maps

  /** Put program `id` in slot `index` of a prog array (the tail call target). */
  setProgram(index: number, id: number): void {
    this.requireType(MapType.PROG_ARRAY);
    this.update(index, id);
  }

  /** The program id in slot `index`, or null. */
  programAt(index: number): number | null {
    this.requireType(MapType.PROG_ARRAY);
    const id = this.ctx.exports.tail_call_target(this.descriptorAddress, index >>> 0);
    return id === -1 ? null : id >>> 0;
  }

  /** Store `inner` under `key` of an array or hash of maps. */
  setInner(key: MapBytes, inner: BpfMap): void {
    if (!isMapInMap(this.type)) throw this.wrongType('setInner');
    this.update(key, inner.descriptorAddress);
  }

  innerAt(key: MapBytes): BpfMap | null {
    if (!isMapInMap(this.type)) throw this.wrongType('innerAt');
    const address = this.lookupU32(key);
    return address === null ? null : (this.ctx.byAddress(address) ?? null);
  }

  // ---- event output

  /** The consumer of a ring buffer map. */
  ringBuffer(): RingBufferReader {
    if (this.kind !== Kind.RINGBUF) throw this.wrongType('ringBuffer');
    this.ring ??= new RingBufferReader(this.ctx.memory, this.descriptorAddress);
    return this.ring;
  }

  /** The consumer of a perf event array. */
  perfBuffer(): PerfReader {
    if (this.kind !== Kind.PERF) throw this.wrongType('perfBuffer');
    this.perf ??= new PerfReader(this.ctx.memory, this.descriptorAddress);
    return this.perf;
  }

  // ---- staging

  private take(op: MapExports['map_pop_elem'], what: string): Uint8Array | null {
    const at = this.ctx.stage.value;
    const r = op(BigInt(this.descriptorAddress), BigInt(at), 0n, 0n, 0n);
    if (r === BigInt(-Errno.ENOENT)) return null;
    if (r < 0n) throw new MapError(this.name, what, Number(-r));
    return this.ctx.memory.bytes.slice(at, at + this.valueSize);
  }

  private stageKey(key: MapBytes): number {
    const at = this.ctx.stage.key;
    this.ctx.memory.bytes.set(this.encode(key, this.keySize, 'key'), at);
    return at;
  }

  private stageValue(value: MapBytes): number {
    const at = this.ctx.stage.value;
    this.ctx.memory.bytes.set(this.encode(value, this.valueSize, 'value'), at);
    return at;
  }

  private encode(v: MapBytes, size: number, what: string): Uint8Array {
    if (v instanceof Uint8Array) {
      if (v.length !== size) {
        throw new RunError(
          'BAD_INPUT',
          `map ${this.name}: ${what} is ${v.length} bytes, not ${size}`,
        );
      }
      return v;
    }
    if (typeof v === 'number' && !Number.isSafeInteger(v)) {
      throw new RunError('BAD_INPUT', `map ${this.name}: ${what} ${v} is not an integer`);
    }
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
      throw new RunError(
        'BAD_INPUT',
        `map ${this.name}: a ${size}-byte ${what} cannot be given as a number`,
      );
    }
    const out = new Uint8Array(size);
    let n = BigInt.asUintN(size * 8, BigInt(v));
    for (let i = 0; i < size; i++, n >>= 8n) out[i] = Number(n & 0xffn);
    return out;
  }

  private requireType(type: number): void {
    if (this.type !== type) throw this.wrongType('operation');
  }

  private wrongType(op: string): BpfError {
    return new BpfError(
      'run',
      'MAP_UNSUPPORTED',
      `map ${this.name}: ${op} does not apply to map type ${this.type}`,
    );
  }
}
