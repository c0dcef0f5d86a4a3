// The JS consumer side of a BPF_MAP_TYPE_PERF_EVENT_ARRAY: one buffer per virtual CPU holding
// PERF_RECORD_SAMPLE records ({u32 type, u16 misc, u16 size}, u32 raw size, raw data) written by
// perf_event_output in maps.wat. As with libbpf's perf_buffer, a sample's data is the raw
// area, padded to keep records 8-byte aligned.

import type { VmMemory } from '../memory.js';
import { DESC, PERF_SLOT_HEADER } from './layout.js';
import { pollRecords, type PollOptions } from './poll.js';

const PERF_RECORD_SAMPLE = 9;

export interface PerfSample {
  readonly cpu: number;
  readonly data: Uint8Array;
}

export class PerfReader {
  /** Buffers (one per virtual CPU, at most max_entries). */
  readonly slots: number;
  /** Bytes per buffer. */
  readonly bufferSize: number;
  private readonly data: number;
  private readonly stride: number;

  constructor(
    private readonly memory: VmMemory,
    desc: number,
  ) {
    const view = memory.view;
    this.slots = view.getUint32(desc + DESC.PERF_SLOTS, true);
    this.bufferSize = view.getUint32(desc + DESC.RING_MASK, true) + 1;
    this.data = view.getUint32(desc + DESC.DATA, true);
    this.stride = view.getUint32(desc + DESC.PERF_STRIDE, true);
  }

  /** Samples dropped because `cpu`'s buffer was full (all buffers when omitted). */
  lost(cpu?: number): number {
    const view = this.memory.view;
    let sum = 0n;
    for (let i = 0; i < this.slots; i++) {
      if (cpu === undefined || cpu === i) {
        sum += view.getBigUint64(this.data + i * this.stride + 16, true);
      }
    }
    return Number(sum);
  }

  /** Hand each sample to `cb`, buffer by buffer in CPU order; returns how many. */
  consume(cb: (data: Uint8Array, cpu: number) => void): number {
    const view = this.memory.view;
    let delivered = 0;
    for (let cpu = 0; cpu < this.slots; cpu++) {
      const slot = this.data + cpu * this.stride;
      const buf = slot + PERF_SLOT_HEADER;
      const head = view.getBigUint64(slot, true);
      let tail = view.getBigUint64(slot + 8, true);
      while (tail < head) {
        const off = Number(tail % BigInt(this.bufferSize));
        const type = view.getUint32(buf + off, true);
        const size = view.getUint16(buf + off + 6, true);
        if (size === 0) break; // corrupt: cannot advance
        if (type === PERF_RECORD_SAMPLE) {
          const raw = view.getUint32(buf + ((off + 8) % this.bufferSize), true);
          const record = this.copy(buf, (off + 12) % this.bufferSize, raw);
          tail += BigInt(size);
          view.setBigUint64(slot + 8, tail, true);
          delivered++;
          cb(record, cpu);
        } else {
          tail += BigInt(size);
          view.setBigUint64(slot + 8, tail, true);
        }
      }
    }
    return delivered;
  }

  drain(): PerfSample[] {
    const out: PerfSample[] = [];
    this.consume((data, cpu) => out.push({ cpu, data }));
    return out;
  }

  samples(opts?: PollOptions): AsyncGenerator<PerfSample> {
    return pollRecords(() => this.drain(), opts);
  }

  [Symbol.asyncIterator](): AsyncGenerator<PerfSample> {
    return this.samples();
  }

  private copy(buf: number, start: number, len: number): Uint8Array {
    const bytes = this.memory.bytes;
    const out = new Uint8Array(len);
    const first = Math.min(len, this.bufferSize - start);
    out.set(bytes.subarray(buf + start, buf + start + first), 0);
    out.set(bytes.subarray(buf, buf + len - first), first);
    return out;
  }
}
