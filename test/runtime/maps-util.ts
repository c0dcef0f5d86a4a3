// Shared by the maps*.test.ts files: a VM memory with maps and their helpers, and a stand-in
// for a program that calls the helpers either through `fn` (as the interpreter does, arguments
// in ARGS_SLOT) or through the `wasm` export (as JIT code does), with buffers on the stack.

import { BpfError } from '../../src/errors.js';
import { HelperCall, HelperRegistry } from '../../src/runtime/helpers.js';
import { ARGS_SLOT, STACK_BASE, STACK_END } from '../../src/runtime/layout.js';
import { VmMemory } from '../../src/runtime/memory.js';
import {
  createMaps,
  registerMapHelpers,
  type CreateMapsOptions,
  type MapDef,
  type MapSet,
} from '../../src/runtime/maps/index.js';

export type Via = 'fn' | 'wasm';

export interface Env {
  readonly memory: VmMemory;
  readonly maps: MapSet;
  readonly registry: HelperRegistry;
}

export function setup(defs: MapDef[], opts?: CreateMapsOptions): Env {
  const memory = new VmMemory();
  const maps = createMaps(memory, defs, opts);
  const registry = registerMapHelpers(new HelperRegistry(), maps);
  return { memory, maps, registry };
}

/** A program's view: helper calls and buffers it builds on its stack. */
export class Prog {
  private top = STACK_BASE;
  constructor(
    readonly env: Env,
    readonly via: Via,
  ) {}

  /** Call helper `id`; r0 as a signed 64-bit value. */
  call(id: number, ...args: Array<number | bigint>): bigint {
    const regs = [0, 1, 2, 3, 4].map((i) => BigInt.asUintN(64, BigInt(args[i] ?? 0)));
    const def = this.env.registry.get(id);
    if (def === undefined) throw new Error(`helper ${id} not registered`);
    if (this.via === 'wasm') {
      if (def.wasm === undefined) throw new Error(`helper ${id} has no wasm`);
      return BigInt.asIntN(64, def.wasm(...regs));
    }
    const view = this.env.memory.view;
    regs.forEach((v, i) => view.setBigUint64(ARGS_SLOT + i * 8, v, true));
    return BigInt.asIntN(64, this.env.registry.invoke(id, new HelperCall(this.env.memory), 0));
  }

  /** Copy bytes onto the stack; returns their address. */
  put(bytes: Uint8Array | number[]): number {
    const at = this.top;
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.top = (this.top + data.length + 7) & ~7;
    if (this.top > STACK_END) throw new Error('test stack overflow');
    this.env.memory.bytes.set(data, at);
    return at;
  }

  u32(n: number): number {
    return this.put(le(n, 4));
  }

  u64(n: number | bigint): number {
    return this.put(le(n, 8));
  }

  /** Zeroed buffer of `n` bytes. */
  buf(n: number): number {
    return this.put(new Uint8Array(n));
  }

  read(addr: number, n: number): Uint8Array {
    return this.env.memory.bytes.slice(addr, addr + n);
  }

  readU64(addr: number): bigint {
    return this.env.memory.view.getBigUint64(addr, true);
  }

  readU32(addr: number): number {
    return this.env.memory.view.getUint32(addr, true);
  }

  /** Release every stack buffer. */
  reset(): void {
    this.top = STACK_BASE;
  }
}

export function le(n: number | bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, BigInt(n));
  for (let i = 0; i < size; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The map area's bytes, to compare two environments that ran the same operations. */
export function mapArea(env: Env): Uint8Array {
  return env.memory.bytes.slice(env.maps.base, env.maps.end);
}

export const VIAS: Via[] = ['fn', 'wasm'];

/** The errno of the MapError `f` throws, or undefined when it succeeds. */
export function errnoOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BpfError) || e.code !== 'MAP_ERROR') throw e;
    return (e as BpfError & { errno: number }).errno;
  }
  return undefined;
}
