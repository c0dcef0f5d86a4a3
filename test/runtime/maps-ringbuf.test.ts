import { describe, expect, it } from 'vitest';
import {
  BPF_F_CURRENT_CPU,
  Errno,
  MapType,
  RINGBUF_BUSY,
  RINGBUF_DISCARD,
  RingQuery,
} from '../../src/runtime/maps/index.js';
import { Prog, VIAS, setup } from './maps-util.js';

const SIZE = 4096;
const ring = () =>
  setup([{ name: 'rb', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: SIZE }]);
const bytes = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);

describe.each(VIAS)('ring buffer (%s)', (via) => {
  it('reserve writes the kernel record header; submit publishes it; positions advance', () => {
    const env = ring();
    const m = env.maps.get('rb');
    const rb = m.ringBuffer();
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    const sample = Number(p.call(131, map, 10, 0));
    expect(sample).not.toBe(0);
    const hdr = sample - 8;
    expect(p.readU32(hdr)).toBe((10 | RINGBUF_BUSY) >>> 0);
    // pg_off: pages from the ring's control page (one page before the data) to the header
    expect(p.readU32(hdr + 4)).toBe(1);
    expect(rb.producerPos).toBe(24n); // round_up(10 + 8, 8)
    expect(rb.consumerPos).toBe(0n);
    expect(p.call(134, map, RingQuery.AVAIL_DATA)).toBe(24n);
    expect(p.call(134, map, RingQuery.RING_SIZE)).toBe(BigInt(SIZE));
    expect(p.call(134, map, RingQuery.PROD_POS)).toBe(24n);
    expect(p.call(134, map, RingQuery.CONS_POS)).toBe(0n);
    expect(p.call(134, map, 99)).toBe(0n);
    // a busy record blocks the consumer
    expect(rb.drain()).toEqual([]);
    env.memory.bytes.set(bytes(10, 1), sample);
    expect(p.call(132, sample, 0)).toBe(0n);
    expect(p.readU32(hdr)).toBe(10);
    expect(rb.drain()).toEqual([bytes(10, 1)]);
    expect(rb.consumerPos).toBe(24n);
    expect(p.call(134, map, RingQuery.AVAIL_DATA)).toBe(0n);
  });

  it('discarded records are skipped; records after a busy one wait for it', () => {
    const env = ring();
    const m = env.maps.get('rb');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    const a = Number(p.call(131, map, 4, 0));
    const b = Number(p.call(131, map, 4, 0));
    const c = Number(p.call(131, map, 4, 0));
    env.memory.bytes.set([1, 1, 1, 1], a);
    env.memory.bytes.set([2, 2, 2, 2], b);
    env.memory.bytes.set([3, 3, 3, 3], c);
    p.call(132, c, 0);
    p.call(133, b, 0);
    expect(p.readU32(b - 8)).toBe((4 | RINGBUF_DISCARD) >>> 0);
    expect(m.ringBuffer().drain()).toEqual([]); // a is still busy
    p.call(132, a, 0);
    expect(m.ringBuffer().drain()).toEqual([Uint8Array.of(1, 1, 1, 1), Uint8Array.of(3, 3, 3, 3)]);
    expect(m.ringBuffer().consumerPos).toBe(48n);
  });

  it('output copies a record; full rings fail with NULL / -EAGAIN; bad flags are refused', () => {
    const env = ring();
    const m = env.maps.get('rb');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    expect(p.call(130, map, p.put(bytes(5, 7)), 5, 0)).toBe(0n);
    expect(p.call(130, map, p.put(bytes(5, 7)), 5, 4)).toBe(BigInt(-Errno.EINVAL));
    expect(p.call(131, map, 8, 1)).toBe(0n);
    expect(p.call(131, map, SIZE, 0)).toBe(0n); // record + header larger than the ring
    // 16 used; a record of 4064 + 8 takes the rest but one byte would be too many
    expect(p.call(131, map, SIZE - 16 - 8 + 1, 0)).toBe(0n);
    const big = Number(p.call(131, map, SIZE - 16 - 8 - 8, 0));
    expect(big).not.toBe(0);
    expect(p.call(130, map, p.put(bytes(1, 0)), 1, 0)).toBe(BigInt(-Errno.EAGAIN));
    p.call(133, big, 0);
    expect(m.ringBuffer().drain()).toEqual([bytes(5, 7)]);
    expect(p.call(130, map, p.put(bytes(1, 0)), 1, 0)).toBe(0n);
  });

  it('a record that wraps around the end reads back whole', () => {
    const env = ring();
    const m = env.maps.get('rb');
    const rb = m.ringBuffer();
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    const seen: Uint8Array[] = [];
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const rec = bytes(200 + i * 7, i);
      const at = Number(p.call(131, map, rec.length, 0));
      expect(at).not.toBe(0);
      env.memory.bytes.set(rec, at); // the program writes its record in place
      expect(p.call(132, at, 0)).toBe(0n);
      sent.push(rec);
      if (i % 3 === 2) rb.consume((r) => seen.push(r));
    }
    rb.consume((r) => seen.push(r));
    expect(rb.producerPos).toBeGreaterThan(BigInt(2 * SIZE));
    expect(seen).toEqual(sent);
  });
});

describe('ring buffer consumer', () => {
  it('the async iterator yields records as they come and stops on abort', async () => {
    const env = ring();
    const m = env.maps.get('rb');
    const p = new Prog(env, 'wasm');
    const map = m.descriptorAddress;
    const ac = new AbortController();
    const got: number[] = [];
    const reader = (async () => {
      for await (const r of m.ringBuffer().records({ signal: ac.signal, pollMs: 1 }))
        got.push(r[0] as number);
    })();
    p.call(130, map, p.put([1]), 1, 0);
    await new Promise((r) => setTimeout(r, 5));
    p.call(130, map, p.put([2]), 1, 0);
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await reader;
    expect(got).toEqual([1, 2]);
  });
});

describe.each(VIAS)('perf event array (%s)', (via) => {
  const perf = (maxEntries: number, cpus: number) =>
    setup([{ name: 'ev', type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries }], {
      cpus,
      perfBufferSize: 4096,
    });

  it('writes PERF_RECORD_SAMPLE records to the chosen CPU buffer', () => {
    const env = perf(4, 2);
    const m = env.maps.get('ev');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    env.maps.currentCpu = 1;
    expect(p.call(25, 0x3000, map, BPF_F_CURRENT_CPU, p.put(bytes(5, 1)), 5)).toBe(0n);
    expect(p.call(25, 0x3000, map, 0, p.put(bytes(8, 9)), 8)).toBe(0n);
    expect(p.call(25, 0x3000, map, 4, p.put(bytes(8, 9)), 8)).toBe(BigInt(-Errno.E2BIG));
    // slot 3 is inside max_entries but no "perf event" (buffer) exists for it
    expect(p.call(25, 0x3000, map, 3, p.put(bytes(8, 9)), 8)).toBe(BigInt(-Errno.ENOENT));
    expect(p.call(25, 0x3000, map, 1n << 32n, p.put(bytes(8, 9)), 8)).toBe(BigInt(-Errno.EINVAL));
    // record layout: {type 9, misc 0, size 24}, raw size 12 (5 bytes + 7 padding), data
    const view = env.memory.view;
    const slot1 = view.getUint32(map + 32, true) + 1 * (32 + 4096);
    expect(view.getUint32(slot1 + 32, true)).toBe(9);
    expect(view.getUint16(slot1 + 32 + 6, true)).toBe(24);
    expect(view.getUint32(slot1 + 32 + 8, true)).toBe(12);
    const samples = m.perfBuffer().drain();
    expect(samples).toEqual([
      { cpu: 0, data: Uint8Array.from([...bytes(8, 9), 0, 0, 0, 0]) },
      { cpu: 1, data: Uint8Array.from([...bytes(5, 1), 0, 0, 0, 0, 0, 0, 0]) },
    ]);
    expect(m.perfBuffer().drain()).toEqual([]);
  });

  it('counts lost samples when a buffer is full and wraps records around the buffer end', () => {
    const env = perf(0, 1); // max_entries 0: one slot per CPU, as libbpf does
    const m = env.maps.get('ev');
    expect(m.maxEntries).toBe(1);
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    const data = p.put(bytes(1000, 3));
    for (let i = 0; i < 4; i++) expect(p.call(25, 0, map, 0, data, 1000)).toBe(0n);
    expect(p.call(25, 0, map, 0, data, 1000)).toBe(BigInt(-Errno.ENOSPC));
    expect(m.perfBuffer().lost()).toBe(1);
    const padded = Uint8Array.from([...bytes(1000, 3), 0, 0, 0, 0]);
    expect(
      m
        .perfBuffer()
        .drain()
        .map((s) => s.data),
    ).toEqual([padded, padded, padded, padded]);
    for (let i = 0; i < 3; i++) expect(p.call(25, 0, map, 0, data, 1000)).toBe(0n);
    expect(
      m
        .perfBuffer()
        .drain()
        .map((s) => s.data),
    ).toEqual([padded, padded, padded]);
  });
});
