import { describe, expect, it } from 'vitest';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import {
  MAP_HELPERS,
  MapType,
  UpdateFlag,
  createMaps,
  registerMapHelpers,
  type MapDef,
} from '../../src/runtime/maps/index.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { Prog, le, mapArea, setup, type Via } from './maps-util.js';

const DEFS: MapDef[] = [
  { name: 'arr', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 8 },
  { name: 'pcpu', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 },
  { name: 'hash', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16 },
  { name: 'lru', type: MapType.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 4 },
  { name: 'lpm', type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 8 },
  { name: 'queue', type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 4 },
  { name: 'stack', type: MapType.STACK, keySize: 0, valueSize: 4, maxEntries: 4 },
  { name: 'rb', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 },
  { name: 'perf', type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 0 },
];

/** A deterministic mix of helper calls over every map type; returns every r0. */
function scenario(via: Via): { results: bigint[]; area: Uint8Array; records: Uint8Array[] } {
  const env = setup(DEFS, { cpus: 2, perfBufferSize: 4096 });
  const p = new Prog(env, via);
  const d = (name: string): number => env.maps.get(name).descriptorAddress;
  const results: bigint[] = [];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let i = 0; i < 300; i++) {
    p.reset();
    env.maps.currentCpu = rand(2);
    const k = rand(24);
    const flags = rand(4) === 0 ? rand(3) : UpdateFlag.ANY;
    switch (rand(9)) {
      case 0:
        results.push(p.call(2, d('arr'), p.u32(k % 10), p.u64(i), flags));
        break;
      case 1:
        results.push(p.call(2, d('pcpu'), p.u32(k % 3), p.u32(i), flags));
        break;
      case 2:
        results.push(p.call(rand(2) === 0 ? 2 : 3, d('hash'), p.u32(k), p.u64(i), flags));
        break;
      case 3: {
        const addr = p.call(1, d('lru'), p.u32(k % 8));
        results.push(addr, p.call(2, d('lru'), p.u32(k), p.u64(i), flags));
        break;
      }
      case 4: {
        const key = Uint8Array.from([...le(rand(33), 4), 10, k, rand(256), 0]);
        results.push(p.call(rand(3) === 0 ? 3 : 2, d('lpm'), p.put(key), p.u32(i), flags));
        results.push(p.call(1, d('lpm'), p.put(Uint8Array.from([...le(32, 4), 10, k, 1, 2]))));
        break;
      }
      case 5:
      case 6: {
        const m = rand(2) === 0 ? d('queue') : d('stack');
        const out = p.buf(4);
        results.push(
          rand(2) === 0 ? p.call(87, m, p.u32(i), flags) : p.call(88, m, out),
          BigInt(p.readU32(out)),
        );
        break;
      }
      case 7: {
        const size = 1 + rand(300);
        if (rand(2) === 0) {
          results.push(p.call(130, d('rb'), p.put(new Uint8Array(size).fill(i & 0xff)), size, 0));
        } else {
          const at = p.call(131, d('rb'), size, 0);
          results.push(at);
          if (at !== 0n) {
            env.memory.bytes.fill(i & 0xff, Number(at), Number(at) + size);
            p.call(rand(3) === 0 ? 133 : 132, at, 0);
          }
        }
        if (rand(4) === 0) env.maps.get('rb').ringBuffer().drain();
        break;
      }
      case 8:
        results.push(
          p.call(25, 0, d('perf'), 0xffffffffn, p.put(new Uint8Array(rand(64)).fill(i)), rand(64)),
        );
        if (rand(3) === 0) env.maps.get('perf').perfBuffer().drain();
        break;
    }
  }
  const records = env.maps.get('rb').ringBuffer().drain();
  return { results, area: mapArea(env), records };
}

describe('helper fn and wasm export agree', () => {
  it('the same calls through fn (ARGS_SLOT) and wasm give the same r0 and the same map bytes', () => {
    const viaFn = scenario('fn');
    const viaWasm = scenario('wasm');
    expect(viaFn.results).toEqual(viaWasm.results);
    expect(viaFn.records).toEqual(viaWasm.records);
    expect(Buffer.from(viaFn.area).equals(Buffer.from(viaWasm.area))).toBe(true);
    // the scenario exercised both successes and failures
    expect(viaFn.results.some((r) => r < 0n)).toBe(true);
    expect(viaFn.results.filter((r) => r === 0n).length).toBeGreaterThan(30);
  });
});

describe('registerMapHelpers', () => {
  it('registers each map helper with a kernel id, a name, fn and wasm', () => {
    const { registry } = setup(DEFS);
    const ids = registry.list().map((h) => h.id);
    expect(ids).toEqual([1, 2, 3, 25, 87, 88, 89, 130, 131, 132, 133, 134, 195]);
    for (const [id, name] of MAP_HELPERS) {
      const h = registry.get(id);
      expect(h?.name).toBe(name);
      expect(typeof h?.fn).toBe('function');
      expect(typeof h?.wasm).toBe('function');
    }
  });

  it('keeps earlier helpers with other ids', () => {
    const memory = new VmMemory();
    const registry = new HelperRegistry().register(5, () => 1, 'ktime_get_ns');
    registerMapHelpers(registry, createMaps(memory, DEFS));
    expect(registry.get(5)?.name).toBe('ktime_get_ns');
  });
});

describe('createMaps', () => {
  it('places maps past the data area, inside the memory, and never twice on the same bytes', () => {
    const memory = new VmMemory();
    const before = memory.size;
    const a = createMaps(memory, DEFS.slice(0, 3));
    const b = createMaps(memory, DEFS.slice(3));
    expect(a.base).toBe(before);
    expect(b.base).toBeGreaterThanOrEqual(a.end);
    expect(memory.size).toBeGreaterThanOrEqual(b.end);
    expect(a.size + b.size).toBe(DEFS.length);
    expect(a.atAddress(a.get('hash').descriptorAddress)?.name).toBe('hash');
  });

  it.each([
    [{ name: 'x', type: MapType.ARRAY, keySize: 8, valueSize: 4, maxEntries: 1 }, 'BAD_MAP'],
    [{ name: 'x', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 0 }, 'BAD_MAP'],
    [{ name: 'x', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 6000 }, 'BAD_MAP'],
    [{ name: 'x', type: MapType.QUEUE, keySize: 4, valueSize: 4, maxEntries: 1 }, 'BAD_MAP'],
    [{ name: 'x', type: MapType.LPM_TRIE, keySize: 4, valueSize: 4, maxEntries: 1 }, 'BAD_MAP'],
    [{ name: 'x', type: MapType.PROG_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 }, 'BAD_MAP'],
    [
      { name: 'x', type: MapType.STACK_TRACE, keySize: 4, valueSize: 8, maxEntries: 1 },
      'MAP_UNSUPPORTED',
    ],
    [{ name: 'x', type: 99, keySize: 4, valueSize: 8, maxEntries: 1 }, 'MAP_UNSUPPORTED'],
  ])('rejects %o with %s', (def, code) => {
    expect(() => createMaps(new VmMemory(), [def])).toThrow(
      expect.objectContaining({ code, stage: 'load' }),
    );
  });

  it('rejects duplicate names, bad CPU counts and unknown map names', () => {
    const def = DEFS[0] as MapDef;
    expect(() => createMaps(new VmMemory(), [def, def])).toThrow(
      expect.objectContaining({ code: 'BAD_MAP' }),
    );
    expect(() => createMaps(new VmMemory(), [def], { cpus: 0 })).toThrow(
      expect.objectContaining({ code: 'BAD_MAP' }),
    );
    expect(() => createMaps(new VmMemory(), [def]).get('nope')).toThrow(
      expect.objectContaining({ code: 'BAD_MAP' }),
    );
  });

  it('operations that do not fit the map type throw MAP_UNSUPPORTED', () => {
    const m = setup(DEFS).maps.get('arr');
    expect(() => m.ringBuffer()).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
    expect(() => m.perfBuffer()).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
    expect(() => m.programAt(0)).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
    expect(() => m.setInner(0, m)).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
  });
});
