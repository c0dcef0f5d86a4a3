// The JS consumer side of a BPF_MAP_TYPE_RINGBUF, following libbpf's ring_buffer__consume: read
// records from the consumer position up to the producer position, stop at one still BUSY,
// skip DISCARDed ones, and publish the new consumer position after each record.

import type { VmMemory } from '../memory.js';
import { DESC, RINGBUF_BUSY, RINGBUF_DISCARD, RINGBUF_HDR_SIZE, round8 } from './layout.js';
import { pollRecords, type PollOptions } from './poll.js';

export class RingBufferReader {
  /** Ring data size in bytes (max_entries). */
  readonly size: number;
  private readonly data: number;

  constructor(
    private readonly memory: VmMemory,
    private readonly desc: number,
  ) {
    this.size = memory.view.getUint32(desc + DESC.RING_MASK, true) + 1;
    this.data = memory.view.getUint32(desc + DESC.DATA, true);
  }

  get consumerPos(): bigint {
    return this.memory.view.getBigUint64(this.desc + DESC.CONSUMER_POS, true);
  }

  get producerPos(): bigint {
    return this.memory.view.getBigUint64(this.desc + DESC.PRODUCER_POS, true);
  }

  /** Bytes reserved but not consumed yet (headers and padding included). */
  get available(): number {
    return Number(this.producerPos - this.consumerPos);
  }

  /**
   * Hand each submitted record (a copy of its data) to `cb`, up to `limit` records.
   * Returns how many were delivered.
   */
  consume(cb: (data: Uint8Array) => void, limit = Infinity): number {
    const view = this.memory.view;
    const mask = BigInt(this.size - 1);
    let cons = this.consumerPos;
    let delivered = 0;
    while (delivered < limit && cons < this.producerPos) {
      const off = Number(cons & mask);
      const len = view.getUint32(this.data + off, true);
      if ((len & RINGBUF_BUSY) !== 0) break;
      const size = len & ~(RINGBUF_BUSY | RINGBUF_DISCARD);
      cons += BigInt(round8(size + RINGBUF_HDR_SIZE));
      if ((len & RINGBUF_DISCARD) === 0) {
        const record = this.copy(off + RINGBUF_HDR_SIZE, size);
        delivered++;
        view.setBigUint64(this.desc + DESC.CONSUMER_POS, cons, true);
        cb(record);
      } else {
        view.setBigUint64(this.desc + DESC.CONSUMER_POS, cons, true);
      }
    }
    return delivered;
  }

  /** Every record available now. */
  drain(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.consume((r) => out.push(r));
    return out;
  }

  /** Records as they arrive (polling between program runs). */
  records(opts?: PollOptions): AsyncGenerator<Uint8Array> {
    return pollRecords(() => this.drain(), opts);
  }

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    return this.records();
  }

  /** `len` bytes from data offset `off`, wrapping at the end of the ring. */
  private copy(off: number, len: number): Uint8Array {
    const bytes = this.memory.bytes;
    const out = new Uint8Array(len);
    const start = off % this.size;
    const first = Math.min(len, this.size - start);
    out.set(bytes.subarray(this.data + start, this.data + start + first), 0);
    out.set(bytes.subarray(this.data, this.data + len - first), first);
    return out;
  }
}
