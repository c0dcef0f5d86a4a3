// Program contexts in linear memory: the layouts the verifier reads (kernel access rules), how
// each context kind lays out ctx and packet, the regions the interpreter then allows, what
// comes back after a run, and the helpers that move the packet's boundaries.

import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import {
  SK_BUFF_SOCKET,
  SK_BUFF_TC,
  XDP_MD,
  contextLayoutOf,
  contextOf,
  rawContext,
  socketContext,
  tcContext,
  tracingContext,
  TRACE_RECORD,
  xdpAdjustHead,
  xdpAdjustMeta,
  xdpAdjustTail,
  xdpContext,
  l3CsumReplace,
  skbLoadBytes,
  redirect,
} from '../../src/runtime/context/index.js';
import { HelperCall } from '../../src/runtime/helpers.js';
import {
  ARGS_SLOT,
  CTX_BASE,
  DATA_BASE,
  DEFAULT_DATA_CAPACITY,
  PACKET_BASE,
  STACK_BASE,
} from '../../src/runtime/layout.js';
import { VmMemory } from '../../src/runtime/memory.js';

const CAP = DEFAULT_DATA_CAPACITY;

/** An Ethernet + IPv4 frame of `len` bytes (ethertype 0x0800), dst MAC 02:00:00:00:00:02. */
function frame(len = 60, ethertype = 0x0800): Uint8Array {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ethertype >> 8, ethertype & 0xff]);
  for (let i = 14; i < len; i++) f[i] = i & 0xff;
  return f;
}

function fieldOf(layout: NonNullable<ReturnType<typeof contextLayoutOf>>, name: string) {
  const f = layout.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no field ${name}`);
  return f;
}

/** Call a helper as an engine does: r1-r5 in ARGS_SLOT. */
function callHelper(memory: VmMemory, fn: (c: HelperCall) => number, ...args: number[]): number {
  args.forEach((a, i) => memory.view.setBigInt64(ARGS_SLOT + i * 8, BigInt(a), true));
  const call = new HelperCall(memory);
  call.pc = 7;
  return fn(call);
}

const u32 = (m: VmMemory, at: number): number => m.view.getUint32(at, true);
const readable = (m: VmMemory, at: number, n = 4): boolean => m.regionOf(at, n, false) !== null;
const writable = (m: VmMemory, at: number, n = 4): boolean => m.regionOf(at, n, true) !== null;

describe('contextLayoutOf', () => {
  it('describes xdp_md as read-only with the three packet pointers', () => {
    const l = contextLayoutOf('xdp');
    expect(l).toBe(XDP_MD);
    expect(l?.size).toBe(24);
    expect(l?.fields.every((f) => f.read && !f.write)).toBe(true);
    expect(l?.fields.slice(0, 3).map((f) => [f.name, f.offset, f.kind])).toEqual([
      ['data', 0, 'pkt_data'],
      ['data_end', 4, 'pkt_end'],
      ['data_meta', 8, 'pkt_meta'],
    ]);
  });

  it('describes __sk_buff per linux/bpf.h with tc and socket filter rights', () => {
    const tc = contextLayoutOf('sched_cls');
    expect(tc).toBe(SK_BUFF_TC);
    expect(contextLayoutOf('tc')).toBe(SK_BUFF_TC);
    expect(contextLayoutOf('socket_filter')).toBe(SK_BUFF_SOCKET);
    expect(tc?.size).toBe(192);
    const offsets = Object.fromEntries(tc!.fields.map((f) => [f.name, f.offset]));
    expect(offsets).toMatchObject({
      len: 0,
      mark: 8,
      protocol: 16,
      priority: 32,
      cb: 48,
      tc_classid: 72,
      data: 76,
      data_end: 80,
      family: 88,
      data_meta: 140,
      tstamp: 152,
      hwtstamp: 184,
    });
    for (const name of ['mark', 'priority', 'tc_index', 'tc_classid', 'queue_mapping', 'cb']) {
      expect(fieldOf(SK_BUFF_TC, name).write, name).toBe(true);
    }
    expect(fieldOf(SK_BUFF_TC, 'len').write).toBe(false);
    expect(fieldOf(SK_BUFF_TC, 'family').read).toBe(false);
    expect(fieldOf(SK_BUFF_TC, 'data').kind).toBe('pkt_data');
    // Socket filters: only cb is writable; no direct packet access, no tc_classid.
    expect(SK_BUFF_SOCKET.fields.filter((f) => f.write).map((f) => f.name)).toEqual(['cb']);
    for (const name of ['data', 'data_end', 'data_meta', 'tc_classid']) {
      expect(fieldOf(SK_BUFF_SOCKET, name).read, name).toBe(false);
    }
    expect(fieldOf(SK_BUFF_SOCKET, 'protocol').read).toBe(true);
  });

  it('describes the tracing contexts and has none for raw memory or unknown types', () => {
    expect(contextLayoutOf('kprobe')?.size).toBe(168);
    expect(contextLayoutOf('perf_event')?.size).toBe(184);
    expect(contextLayoutOf('raw_tracepoint')?.size).toBe(96);
    expect(fieldOf(contextLayoutOf('tracepoint')!, 'common').read).toBe(false);
    expect(contextLayoutOf('unspec')).toBeUndefined();
    expect(contextLayoutOf('lsm')).toBeUndefined();
    expect(contextOf('unspec')).toBe(rawContext);
  });
});

describe('xdp context', () => {
  it('lays out xdp_md and the frame with 256 bytes of headroom', () => {
    const m = new VmMemory();
    const pkt = frame(60);
    const regs = xdpContext.enter(m, { packet: pkt, ctx: { rx_queue_index: 3 } }, CAP);
    expect(regs).toEqual({ r1: CTX_BASE, r2: 60 });
    expect(DATA_BASE - PACKET_BASE).toBe(256);
    expect([u32(m, CTX_BASE), u32(m, CTX_BASE + 4), u32(m, CTX_BASE + 8)]).toEqual([
      DATA_BASE,
      DATA_BASE + 60,
      DATA_BASE,
    ]);
    expect(u32(m, CTX_BASE + 12)).toBe(1); // loopback ingress_ifindex
    expect(u32(m, CTX_BASE + 16)).toBe(3);
    // ctx readable, not writable; packet readable and writable; nothing past data_end.
    expect(readable(m, CTX_BASE + 20)).toBe(true);
    expect(writable(m, CTX_BASE)).toBe(false);
    expect(readable(m, CTX_BASE + 24)).toBe(false);
    expect(writable(m, DATA_BASE + 56)).toBe(true);
    expect(readable(m, DATA_BASE + 57)).toBe(false);
    expect(readable(m, DATA_BASE - 4)).toBe(false);
    const out = xdpContext.leave(m);
    expect(out.packet).toEqual(pkt);
    expect(out.ctx.length).toBe(24);
  });

  it('rejects mem, unknown ctx fields and frames larger than the data area', () => {
    const m = new VmMemory();
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as BpfError).code;
      }
      return 'none';
    };
    expect(code(() => xdpContext.enter(m, { mem: new Uint8Array(4) }, CAP))).toBe('BAD_INPUT');
    expect(code(() => xdpContext.enter(m, { packet: frame(), ctx: { data: 1 } }, CAP))).toBe(
      'BAD_INPUT',
    );
    expect(code(() => xdpContext.enter(m, { packet: new Uint8Array(5000) }, 4096))).toBe(
      'INPUT_TOO_LARGE',
    );
  });

  it('adjust_head moves data (and metadata), within the headroom and above 14 bytes', () => {
    const m = new VmMemory();
    const pkt = frame(60);
    xdpContext.enter(m, { packet: pkt }, CAP);
    expect(callHelper(m, xdpAdjustHead, CTX_BASE, -20)).toBe(0);
    expect(u32(m, CTX_BASE)).toBe(DATA_BASE - 20);
    expect(u32(m, CTX_BASE + 8)).toBe(DATA_BASE - 20);
    expect(writable(m, DATA_BASE - 20, 20)).toBe(true);
    expect(xdpContext.leave(m).packet).toEqual(new Uint8Array([...new Uint8Array(20), ...pkt]));
    // Below data_hard_start + sizeof(struct xdp_frame): refused.
    expect(callHelper(m, xdpAdjustHead, CTX_BASE, -(256 - 20 - 40) - 1)).toBe(-22);
    // Leaving less than an Ethernet header: refused.
    expect(callHelper(m, xdpAdjustHead, CTX_BASE, 80 - 13)).toBe(-22);
    expect(callHelper(m, xdpAdjustHead, CTX_BASE, 80 - 14)).toBe(0);
    expect(xdpContext.leave(m).packet).toEqual(pkt.subarray(46));
  });

  it('adjust_meta reserves up to 32 bytes of 4-aligned metadata before data', () => {
    const m = new VmMemory();
    xdpContext.enter(m, { packet: frame(60) }, CAP);
    expect(callHelper(m, xdpAdjustMeta, CTX_BASE, -6)).toBe(-13);
    expect(callHelper(m, xdpAdjustMeta, CTX_BASE, -36)).toBe(-13);
    expect(callHelper(m, xdpAdjustMeta, CTX_BASE, 4)).toBe(-22);
    expect(callHelper(m, xdpAdjustMeta, CTX_BASE, -8)).toBe(0);
    expect(u32(m, CTX_BASE + 8)).toBe(DATA_BASE - 8);
    expect(writable(m, DATA_BASE - 8, 8)).toBe(true);
    m.view.setUint32(DATA_BASE - 8, 0x44, true);
    // The packet handed back runs from data_meta, as the kernel's test run copies it.
    expect(xdpContext.leave(m).packet?.subarray(0, 8)).toEqual(
      new Uint8Array([0x44, 0, 0, 0, 0, 0, 0, 0]),
    );
  });

  it('adjust_tail shrinks and grows (zeroed) up to the page minus skb_shared_info', () => {
    const m = new VmMemory();
    xdpContext.enter(m, { packet: frame(60) }, CAP);
    expect(callHelper(m, xdpAdjustTail, CTX_BASE, -20)).toBe(0);
    expect(xdpContext.leave(m).packet?.length).toBe(40);
    expect(callHelper(m, xdpAdjustTail, CTX_BASE, -27)).toBe(-22);
    expect(callHelper(m, xdpAdjustTail, CTX_BASE, 30)).toBe(0);
    expect(xdpContext.leave(m).packet?.subarray(40)).toEqual(new Uint8Array(30));
    const max = PACKET_BASE + 4096 - 320 - (DATA_BASE + 70);
    expect(callHelper(m, xdpAdjustTail, CTX_BASE, max + 1)).toBe(-22);
    expect(callHelper(m, xdpAdjustTail, CTX_BASE, max)).toBe(0);
  });
});

describe('skb contexts', () => {
  it('tc: sees the frame from the Ethernet header; protocol, len, pkt_type from the frame', () => {
    const m = new VmMemory();
    const pkt = frame(74, 0x86dd);
    const regs = tcContext.enter(m, { packet: pkt, ctx: { mark: 7, cb: [1, 2] } }, CAP);
    expect(regs).toEqual({ r1: CTX_BASE, r2: 74 });
    expect(u32(m, CTX_BASE)).toBe(74);
    expect(u32(m, CTX_BASE + 4)).toBe(3); // PACKET_OTHERHOST
    expect(u32(m, CTX_BASE + 8)).toBe(7);
    expect(u32(m, CTX_BASE + 16)).toBe(0xdd86); // htons(ETH_P_IPV6)
    expect(u32(m, CTX_BASE + 48)).toBe(1);
    expect(u32(m, CTX_BASE + 52)).toBe(2);
    expect([u32(m, CTX_BASE + 76), u32(m, CTX_BASE + 80)]).toEqual([DATA_BASE, DATA_BASE + 74]);
    expect(writable(m, CTX_BASE + 8)).toBe(true); // mark
    expect(writable(m, CTX_BASE)).toBe(false); // len
    expect(readable(m, CTX_BASE + 88)).toBe(false); // family
    expect(writable(m, DATA_BASE, 74)).toBe(true);
    m.bytes[DATA_BASE + 20] = 0xaa;
    const out = tcContext.leave(m);
    expect(out.packet?.[20]).toBe(0xaa);
    expect(out.packet?.length).toBe(74);
  });

  it('socket filter: sees the packet from the network header, read-only, 14 zero bytes back', () => {
    const m = new VmMemory();
    const pkt = frame(60);
    const regs = socketContext.enter(m, { packet: pkt }, CAP);
    expect(regs.r2).toBe(46);
    expect(u32(m, CTX_BASE)).toBe(46);
    expect(m.bytes[DATA_BASE]).toBe(14);
    expect(writable(m, DATA_BASE)).toBe(false);
    expect(writable(m, CTX_BASE + 8)).toBe(false); // mark: read-only here
    expect(writable(m, CTX_BASE + 48)).toBe(true); // cb
    expect(readable(m, CTX_BASE + 76)).toBe(false); // data
    const out = socketContext.leave(m).packet!;
    expect(out.subarray(0, 14)).toEqual(new Uint8Array(14));
    expect(out.subarray(14)).toEqual(pkt.subarray(14));
  });

  it('skb_load_bytes reads from skb->data, and zeroes the buffer on failure', () => {
    const m = new VmMemory();
    tcContext.enter(m, { packet: frame(60) }, CAP);
    const to = STACK_BASE + 16;
    expect(callHelper(m, skbLoadBytes, CTX_BASE, 14, to, 4)).toBe(0);
    expect(Array.from(m.bytes.subarray(to, to + 4))).toEqual([14, 15, 16, 17]);
    expect(callHelper(m, skbLoadBytes, CTX_BASE, 58, to, 4)).toBe(-14);
    expect(Array.from(m.bytes.subarray(to, to + 4))).toEqual([0, 0, 0, 0]);
  });

  it('l3_csum_replace keeps an IPv4 header checksum valid', () => {
    const m = new VmMemory();
    const pkt = frame(34);
    // A real IPv4 header (checksum 0xb861) from 192.168.0.1 to 192.168.0.199.
    pkt.set(
      [
        0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0,
        0xc7,
      ],
      14,
    );
    tcContext.enter(m, { packet: pkt }, CAP);
    const view = m.view;
    const oldDst = view.getUint32(DATA_BASE + 30, true);
    pkt.set([10, 0, 0, 1], 30);
    const newDst = new DataView(pkt.buffer).getUint32(30, true);
    view.setUint32(DATA_BASE + 30, newDst, true);
    expect(callHelper(m, l3CsumReplace, CTX_BASE, 24, oldDst, newDst, 4)).toBe(0);
    // The ones' complement sum of the header with its checksum is 0xffff.
    let sum = 0;
    for (let i = 14; i < 34; i += 2)
      sum += (m.bytes[DATA_BASE + i]! << 8) | m.bytes[DATA_BASE + i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    expect(callHelper(m, l3CsumReplace, CTX_BASE, 25, 0, 0, 4)).toBe(-14); // odd offset
    expect(callHelper(m, l3CsumReplace, CTX_BASE, 24, 0, 0, 3)).toBe(-22); // bad size
  });

  it('redirect returns the verdict of the context it runs in', () => {
    const m = new VmMemory();
    tcContext.enter(m, { packet: frame() }, CAP);
    expect(callHelper(m, redirect, 3, 0)).toBe(7);
    expect(callHelper(m, redirect, 3, 2)).toBe(2);
    xdpContext.enter(m, { packet: frame() }, CAP);
    expect(callHelper(m, redirect, 3, 0)).toBe(4);
  });
});

describe('raw and tracing contexts', () => {
  it('raw: r1 = the input copy, r2 = its length; regions of a previous context are gone', () => {
    const m = new VmMemory();
    xdpContext.enter(m, { packet: frame() }, CAP);
    const regs = rawContext.enter(m, { mem: new Uint8Array([1, 2, 3]) }, CAP);
    expect(regs).toEqual({ r1: DATA_BASE, r2: 3 });
    expect(readable(m, CTX_BASE)).toBe(false);
    expect(writable(m, DATA_BASE, 3)).toBe(true);
    expect(rawContext.leave(m).mem).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('kprobe: pt_regs given by the caller, read-only', () => {
    const m = new VmMemory();
    const regs = new Uint8Array(168);
    regs[14 * 8] = 0x42; // di
    expect(contextOf('kprobe')!.enter(m, { ctx: regs }, CAP)).toEqual({ r1: CTX_BASE, r2: 168 });
    expect(m.bytes[CTX_BASE + 112]).toBe(0x42);
    expect(readable(m, CTX_BASE + 160, 8)).toBe(true);
    expect(writable(m, CTX_BASE, 8)).toBe(false);
    expect(readable(m, CTX_BASE + 168)).toBe(false);
  });

  it('tracepoint: only the bytes given, past the 8-byte common header', () => {
    const m = new VmMemory();
    const tp = tracingContext(TRACE_RECORD, true);
    tp.enter(m, { ctx: new Uint8Array(32).fill(9) }, CAP);
    expect(readable(m, CTX_BASE, 4)).toBe(false);
    expect(readable(m, CTX_BASE + 8, 8)).toBe(true);
    expect(readable(m, CTX_BASE + 28, 4)).toBe(true);
    expect(readable(m, CTX_BASE + 32, 4)).toBe(false);
    expect(tp.leave(m).ctx).toEqual(new Uint8Array(32).fill(9));
  });
});
