import { describe, expect, it } from 'vitest';
import { Errno, MapType, UpdateFlag } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, setup } from './maps-util.js';

const qs = (type: number, maxEntries = 3) =>
  setup([{ name: 'q', type, keySize: 0, valueSize: 4, maxEntries }]);

const drain = (pop: () => Uint8Array | null): number[] => {
  const out: number[] = [];
  for (let v = pop(); v !== null; v = pop()) out.push(v[0] as number);
  return out;
};

describe('queue and stack from the host', () => {
  it('queue is FIFO, stack is LIFO', () => {
    const q = qs(MapType.QUEUE).maps.get('q');
    const s = qs(MapType.STACK).maps.get('q');
    for (const v of [1, 2, 3]) {
      q.push(v);
      s.push(v);
    }
    expect(q.peek()?.[0]).toBe(1);
    expect(s.peek()?.[0]).toBe(3);
    expect(drain(() => q.pop())).toEqual([1, 2, 3]);
    expect(drain(() => s.pop())).toEqual([3, 2, 1]);
  });

  it.each([
    [MapType.QUEUE, [2, 3, 4]],
    [MapType.STACK, [4, 3, 2]],
  ])('type %i: full gives E2BIG, BPF_EXIST overwrites the oldest', (type, order) => {
    const m = qs(type).maps.get('q');
    for (const v of [1, 2, 3]) m.push(v);
    expect(errnoOf(() => m.push(4))).toBe(Errno.E2BIG);
    m.push(4, UpdateFlag.EXIST);
    expect(drain(() => m.pop())).toEqual(order);
  });

  it('rejects NOEXIST and unknown flags; keeps working across the wrap point', () => {
    const m = qs(MapType.QUEUE, 2).maps.get('q');
    expect(errnoOf(() => m.push(1, UpdateFlag.NOEXIST))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.push(1, 3))).toBe(Errno.EINVAL);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      m.push(i);
      m.push(i + 100);
      got.push(m.pop()?.[0] as number, m.pop()?.[0] as number);
    }
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => [i, i + 100]).flat());
    expect(m.pop()).toBeNull();
  });
});

describe.each(VIAS)('queue and stack through the helpers (%s)', (via) => {
  it('push/pop/peek agree with the host; empty pops zero the value and return ENOENT', () => {
    const env = qs(MapType.QUEUE);
    const m = env.maps.get('q');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    expect(p.call(87, map, p.u32(10), 0)).toBe(0n);
    m.push(11);
    expect(p.call(87, map, p.u32(12), 0)).toBe(0n);
    expect(p.call(87, map, p.u32(13), 0)).toBe(BigInt(-Errno.E2BIG));
    expect(p.call(87, map, p.u32(13), UpdateFlag.EXIST)).toBe(0n);
    const out = p.u32(0xffffffff);
    expect(p.call(89, map, out)).toBe(0n);
    expect(p.readU32(out)).toBe(11);
    expect(p.call(88, map, out)).toBe(0n);
    expect(p.readU32(out)).toBe(11);
    expect(m.pop()?.[0]).toBe(12);
    expect(p.call(88, map, out)).toBe(0n);
    expect(p.readU32(out)).toBe(13);
    env.memory.view.setUint32(out, 0xffffffff, true);
    expect(p.call(88, map, out)).toBe(BigInt(-Errno.ENOENT));
    expect(p.readU32(out)).toBe(0);
    expect(p.call(89, map, out)).toBe(BigInt(-Errno.ENOENT));
    // lookup/update/delete do not apply to queues
    expect(p.call(1, map, 0)).toBe(0n);
    expect(p.call(2, map, 0, p.u32(1), 0)).toBe(BigInt(-Errno.EINVAL));
    // push on a map that is not a queue or stack
    const arr = setup([
      { name: 'a', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
    ]);
    const pa = new Prog(arr, via);
    expect(pa.call(87, arr.maps.get('a').descriptorAddress, pa.u32(1), 0)).toBe(
      BigInt(-Errno.EINVAL),
    );
  });
});
