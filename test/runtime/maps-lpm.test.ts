import { describe, expect, it } from 'vitest';
import { Errno, MapFlag, MapType, UpdateFlag } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, setup } from './maps-util.js';

/** struct bpf_lpm_trie_key for IPv4: u32 prefixlen (host order), 4 address bytes. */
function v4(cidr: string): Uint8Array {
  const [addr, len] = cidr.split('/') as [string, string | undefined];
  const key = new Uint8Array(8);
  new DataView(key.buffer).setUint32(0, Number(len ?? 32), true);
  key.set(addr.split('.').map(Number), 4);
  return key;
}

const lpm = (maxEntries = 8) =>
  setup([
    {
      name: 'trie',
      type: MapType.LPM_TRIE,
      keySize: 8,
      valueSize: 4,
      maxEntries,
      flags: MapFlag.NO_PREALLOC,
    },
  ]);

describe('LPM trie from the host', () => {
  it('finds the longest matching prefix', () => {
    const m = lpm().maps.get('trie');
    m.updateU32(v4('10.0.0.0/8'), 1);
    m.updateU32(v4('10.1.0.0/16'), 2);
    m.updateU32(v4('10.1.2.0/24'), 3);
    m.updateU32(v4('0.0.0.0/0'), 4);
    m.updateU32(v4('172.16.0.0/12'), 5);
    expect(m.lookupU32(v4('10.1.2.3'))).toBe(3);
    expect(m.lookupU32(v4('10.1.3.3'))).toBe(2);
    expect(m.lookupU32(v4('10.2.0.0'))).toBe(1);
    expect(m.lookupU32(v4('11.0.0.0'))).toBe(4);
    // a prefix that does not end on a byte boundary
    expect(m.lookupU32(v4('172.31.255.1'))).toBe(5);
    expect(m.lookupU32(v4('172.32.0.1'))).toBe(4);
    // the lookup key's own prefix length bounds the match
    expect(m.lookupU32(v4('10.1.2.3/16'))).toBe(2);
    expect(m.delete(v4('0.0.0.0/0'))).toBe(true);
    expect(m.lookup(v4('11.0.0.0'))).toBeNull();
  });

  it('update and delete work on the exact prefix', () => {
    const m = lpm(2).maps.get('trie');
    m.updateU32(v4('10.0.0.0/8'), 1);
    expect(errnoOf(() => m.updateU32(v4('10.9.9.9/8'), 2, UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    expect(errnoOf(() => m.updateU32(v4('10.0.0.0/9'), 2, UpdateFlag.EXIST))).toBe(Errno.ENOENT);
    // bits past the prefix length do not matter: this replaces 10/8
    m.updateU32(v4('10.9.9.9/8'), 2);
    expect(m.count).toBe(1);
    expect(m.lookupU32(v4('10.200.0.1'))).toBe(2);
    expect(m.delete(v4('10.0.0.0/9'))).toBe(false);
    expect(errnoOf(() => m.updateU32(v4('10.0.0.0/33'), 2))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.delete(v4('10.0.0.0/33')))).toBe(Errno.EINVAL);
    m.updateU32(v4('192.168.0.0/16'), 3);
    // the kernel's trie answers ENOSPC, not E2BIG, when full
    expect(errnoOf(() => m.updateU32(v4('192.168.1.0/24'), 4))).toBe(Errno.ENOSPC);
    m.updateU32(v4('192.168.0.0/16'), 5); // replacing in a full trie is fine
    expect([...m.keys()]).toHaveLength(2);
    expect(m.delete(v4('10.0.0.0/8'))).toBe(true);
    m.updateU32(v4('192.168.1.0/24'), 4);
    expect(m.lookupU32(v4('192.168.1.1'))).toBe(4);
  });

  it('handles IPv6-sized keys', () => {
    const { maps } = setup([
      { name: 't6', type: MapType.LPM_TRIE, keySize: 20, valueSize: 8, maxEntries: 4 },
    ]);
    const m = maps.get('t6');
    const k = (bytes: number[], len: number): Uint8Array => {
      const key = new Uint8Array(20);
      new DataView(key.buffer).setUint32(0, len, true);
      key.set(bytes, 4);
      return key;
    };
    m.updateU64(k([0x20, 0x01, 0x0d, 0xb8], 32), 1n);
    m.updateU64(k([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1], 64), 2n);
    expect(m.lookupU64(k([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 9, 9], 128))).toBe(2n);
    expect(m.lookupU64(k([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2], 128))).toBe(1n);
    expect(m.lookup(k([0x20, 0x02], 128))).toBeNull();
  });
});

describe.each(VIAS)('LPM trie through the helpers (%s)', (via) => {
  it('lookup returns the best match value, update/delete errors match the host', () => {
    const env = lpm(4);
    const m = env.maps.get('trie');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    expect(p.call(2, map, p.put(v4('10.0.0.0/8')), p.u32(1), 0)).toBe(0n);
    expect(p.call(2, map, p.put(v4('10.1.0.0/16')), p.u32(2), 0)).toBe(0n);
    const at = p.call(1, map, p.put(v4('10.1.7.7')));
    expect(p.readU32(Number(at))).toBe(2);
    expect(Number(at)).toBe(m.valueAddress(v4('10.1.0.0/16')));
    expect(p.call(1, map, p.put(v4('11.1.7.7')))).toBe(0n);
    expect(p.call(2, map, p.put(v4('10.0.0.0/8')), p.u32(1), UpdateFlag.NOEXIST)).toBe(
      BigInt(-Errno.EEXIST),
    );
    expect(p.call(3, map, p.put(v4('10.0.0.0/8')))).toBe(0n);
    expect(p.call(3, map, p.put(v4('10.0.0.0/8')))).toBe(BigInt(-Errno.ENOENT));
    expect(p.call(1, map, p.put(v4('10.9.9.9')))).toBe(0n); // 10/8 gone: no match
  });
});

describe('LPM trie against a brute-force model', () => {
  it('random inserts, deletes and lookups agree; iteration is post-order', () => {
    const MAX = 40;
    const m = lpm(MAX).maps.get('trie');
    const model = new Map<string, { len: number; addr: number; value: number }>();
    const id = (len: number, addr: number): string =>
      `${len}/${len === 0 ? 0 : addr >>> (32 - len)}`;
    const masked = (len: number, addr: number): number =>
      (len === 0 ? 0 : (addr >>> (32 - len)) << (32 - len)) >>> 0;
    const key = (len: number, addr: number): Uint8Array => {
      const k = new Uint8Array(8);
      const dv = new DataView(k.buffer);
      dv.setUint32(0, len, true);
      dv.setUint32(4, addr >>> 0, false);
      return k;
    };
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    // addresses from a small set of patterns so prefixes nest and diverge often
    const addr = (): number =>
      (((10 + rand(2)) << 24) | (rand(4) << 22) | (rand(4) << 12) | rand(8)) >>> 0;
    const seen = { full: 0, deleted: 0, hits: 0, misses: 0 };
    for (let step = 0; step < 3000; step++) {
      const len = rand(8) === 0 ? 4 + rand(5) : 8 + rand(25); // few short prefixes (/0 is tested above)
      const a = addr();
      const k = key(len, a);
      const op = rand(10);
      if (op < 4) {
        const expected = model.has(id(len, a)) || model.size < MAX ? undefined : Errno.ENOSPC;
        expect(errnoOf(() => m.updateU32(k, step))).toBe(expected);
        if (expected !== undefined) seen.full++;
        if (expected === undefined)
          model.set(id(len, a), { len, addr: masked(len, a), value: step });
      } else if (op < 8) {
        const had = model.delete(id(len, a));
        expect(m.delete(k)).toBe(had);
        if (had) seen.deleted++;
      } else {
        const q = rand(2) === 0 ? a : ((rand(0x10000) << 16) | rand(0x10000)) >>> 0;
        let best: { len: number; value: number } | null = null;
        for (const e of model.values()) {
          if (masked(e.len, q) === e.addr && (best === null || e.len > best.len)) best = e;
        }
        expect(m.lookupU32(key(32, q))).toBe(best?.value ?? null);
        if (best === null) seen.misses++;
        else seen.hits++;
      }
      expect(m.count).toBe(model.size);
    }
    // the walk reached every case: full trie, real deletes, matches and misses
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(10);
    const order = [...m.keys()].map((k) => {
      const dv = new DataView(k.buffer);
      return { len: dv.getUint32(0, true), addr: dv.getUint32(4, false) };
    });
    expect(order.map((e) => id(e.len, e.addr)).sort()).toEqual([...model.keys()].sort());
    // post-order: a prefix comes after every prefix it contains
    order.forEach((outer, i) => {
      for (const inner of order.slice(i + 1)) {
        const contains =
          outer.len < inner.len && masked(outer.len, inner.addr) === masked(outer.len, outer.addr);
        expect(contains).toBe(false);
      }
    });
  });
});
