// skb_change_tail, skb_pull_data (tc) and redirect_map (xdp) run by small assembly programs on
// both engines, with the context laid out as a test run does (src/runtime/context/), maps
// created and relocated through the object code; plus the verifier's view of the new helpers.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import { interpEngine } from '../../src/interp/index.js';
import { assembleProgram } from '../../src/isa/index.js';
import { jitEngine } from '../../src/jit/index.js';
import {
  type ContextKind,
  redirectTargetOf,
  registerRedirectMap,
  registerSkbHelpers,
  SKB_MAX_LEN,
  tcContext,
  xdpContext,
} from '../../src/runtime/context/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { DEFAULT_DATA_CAPACITY } from '../../src/runtime/layout.js';
import { createMaps, type MapDef, type MapSet } from '../../src/runtime/maps/index.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { relocate } from '../../src/runtime/object/index.js';
import { protoLookup } from '../../src/verifier/gate.js';
import { verify } from '../../src/verifier/verify.js';
import { Vm } from '../../src/vm.js';
import { ENGINES } from './helpers-util.js';

interface Run {
  readonly r0: bigint;
  readonly packet: Uint8Array;
  readonly skbLen: number;
}

/** Run `asm` on `kind` with `packet`; maps (if any) are created and relocated first. */
function runOn(
  engine: EngineName,
  kind: ContextKind,
  asm: string,
  packet: Uint8Array,
  opts: { capacity?: number; maps?: MapDef[]; setup?: (maps: MapSet) => void } = {},
): Run & { memory: VmMemory } {
  const capacity = opts.capacity ?? DEFAULT_DATA_CAPACITY;
  const memory = new VmMemory(capacity);
  const defs = opts.maps ?? [];
  const maps = createMaps(memory, defs);
  opts.setup?.(maps);
  const helpers = registerSkbHelpers(new HelperRegistry());
  registerRedirectMap(helpers, maps);
  const program = relocate(
    assembleProgram(asm),
    defs.map((d) => d.name),
    maps,
  );
  const eng = engine === 'jit' ? jitEngine : interpEngine;
  const exe = eng.prepare(program, { memory, helpers, budget: 10_000 });
  const { r1, r2 } = kind.enter(memory, { packet }, capacity);
  memory.clearStack();
  const r0 = exe.run(r1, r2);
  const out = kind.leave(memory);
  const skbLen = new DataView(out.ctx.buffer, out.ctx.byteOffset).getUint32(0, true);
  return { r0, packet: out.packet ?? new Uint8Array(0), skbLen, memory };
}

/** A frame of `n` bytes: an Ethernet header with an IPv4 ethertype, then 0x11, 0x12, ... */
function frame(n: number): Uint8Array {
  const p = new Uint8Array(n);
  p.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
  for (let i = 14; i < n; i++) p[i] = (0x11 + i) & 0xff;
  return p;
}

const signed = (v: bigint): bigint => BigInt.asIntN(64, v);
const EINVAL = -22n;
const ENOMEM = -12n;

/** change_tail(skb, LEN, FLAGS); r0 = its result, or on success (data_end - data) << 32 | skb->len. */
const changeTail = (len: number, flags = 0): string => `
  mov %r6, %r1
  mov %r2, ${len}
  mov %r3, ${flags}
  call 38
  jne %r0, 0, +7
  ldxw %r2, [%r6+76]
  ldxw %r3, [%r6+80]
  sub %r3, %r2
  lsh %r3, 32
  ldxw %r0, [%r6+0]
  or %r0, %r3
  exit
  exit`;

describe.each(ENGINES)('skb_change_tail on %s', (engine) => {
  it('grows the packet with zeroed bytes and updates len, data_end and the packet', () => {
    const res = runOn(engine, tcContext, changeTail(100), frame(60));
    expect(res.r0).toBe((100n << 32n) | 100n);
    expect(res.skbLen).toBe(100);
    expect(res.packet.length).toBe(100);
    expect(res.packet.subarray(0, 60)).toEqual(frame(60));
    expect(res.packet.subarray(60).every((b) => b === 0)).toBe(true);
  });

  it('trims the packet', () => {
    const res = runOn(engine, tcContext, changeTail(20), frame(60));
    expect(res.r0).toBe((20n << 32n) | 20n);
    expect(res.packet).toEqual(frame(60).subarray(0, 20));
  });

  it('zeroes bytes a trim left behind when the packet grows again', () => {
    const asm = `
      mov %r6, %r1
      mov %r2, 20
      mov %r3, 0
      call 38
      mov %r1, %r6
      mov %r2, 40
      mov %r3, 0
      call 38
      exit`;
    const res = runOn(engine, tcContext, asm, frame(60));
    expect(res.r0).toBe(0n);
    expect(res.packet.length).toBe(40);
    expect(res.packet.subarray(0, 20)).toEqual(frame(20));
    expect(res.packet.subarray(20).every((b) => b === 0)).toBe(true);
  });

  it('lets the program write the grown bytes through fresh packet pointers', () => {
    const asm = `
      mov %r6, %r1
      mov %r2, 80
      mov %r3, 0
      call 38
      ldxw %r2, [%r6+76]
      ldxw %r3, [%r6+80]
      mov %r4, %r2
      add %r4, 80
      jgt %r4, %r3, +2
      stb [%r2+79], 0xab
      mov %r0, 1
      exit`;
    const res = runOn(engine, tcContext, asm, frame(60));
    expect(res.r0).toBe(1n);
    expect(res.packet[79]).toBe(0xab);
  });

  it.each([
    ['non-zero flags', 60, 1],
    ['a length below the network header', 13, 0],
    ['a length above the device MTU + L2 header', SKB_MAX_LEN + 1, 0],
  ])('refuses %s with -EINVAL and leaves the packet', (_what, len, flags) => {
    const res = runOn(engine, tcContext, changeTail(len, flags), frame(60));
    expect(signed(res.r0)).toBe(EINVAL);
    expect(res.packet).toEqual(frame(60));
    expect(res.skbLen).toBe(60);
  });

  it('takes the kernel maximum when the data area holds it, else -ENOMEM', () => {
    expect(runOn(engine, tcContext, changeTail(14), frame(60)).packet).toEqual(frame(14));
    const big = runOn(engine, tcContext, changeTail(SKB_MAX_LEN), frame(60), {
      capacity: 0x20000,
    });
    expect(big.skbLen).toBe(SKB_MAX_LEN);
    expect(big.packet.length).toBe(SKB_MAX_LEN);
    const small = runOn(engine, tcContext, changeTail(SKB_MAX_LEN), frame(60));
    expect(signed(small.r0)).toBe(ENOMEM);
    expect(small.packet).toEqual(frame(60));
  });

  it('is -EINVAL without an skb context', () => {
    expect(signed(runOn(engine, xdpContext, changeTail(40), frame(60)).r0)).toBe(EINVAL);
  });
});

describe.each(ENGINES)('skb_pull_data on %s', (engine) => {
  const pull = (len: number): string => `mov %r2, ${len}\ncall 39\nexit`;
  it.each([
    [0, 0n],
    [14, 0n],
    [60, 0n],
    [61, ENOMEM],
    [0xffffffff, ENOMEM],
  ])('pull_data(skb, %i) on a 60-byte packet is %i', (len, want) => {
    const res = runOn(engine, tcContext, pull(len), frame(60));
    expect(signed(res.r0)).toBe(want);
    expect(res.packet).toEqual(frame(60));
  });
});

// ---- redirect_map

const TX_PORTS: MapDef = {
  name: 'tx_ports',
  type: 'devmap',
  keySize: 4,
  valueSize: 4,
  maxEntries: 8,
};
const TX_HASH: MapDef = {
  name: 'tx_hash',
  type: 'devmap_hash',
  keySize: 4,
  valueSize: 4,
  maxEntries: 8,
};
const CPUS: MapDef = { name: 'cpus', type: 'cpumap', keySize: 4, valueSize: 4, maxEntries: 4 };
const QUEUE: MapDef = { name: 'q', type: 'queue', keySize: 0, valueSize: 4, maxEntries: 8 };
const ARRAY: MapDef = { name: 'a', type: 'array', keySize: 4, valueSize: 4, maxEntries: 8 };

const redirectMap = (map: number, key: number | string, flags: number): string => `
  lddw %r1, map_idx ${map}
  lddw %r2, ${key}
  mov %r3, ${flags}
  call 51
  exit`;

function populate(maps: MapSet): void {
  maps.get('tx_ports').updateU32(1, 5);
  maps.get('tx_hash').updateU32(7, 9);
  maps.get('cpus').updateU32(0, 64);
}

describe.each(ENGINES)('redirect_map on %s', (engine) => {
  const run = (asm: string): Run & { memory: VmMemory } =>
    runOn(engine, xdpContext, asm, frame(60), {
      maps: [TX_PORTS, TX_HASH, CPUS],
      setup: populate,
    });

  it('returns XDP_REDIRECT for a populated devmap slot and records the target', () => {
    const res = run(redirectMap(0, 1, 2));
    expect(res.r0).toBe(4n);
    expect(redirectTargetOf(res.memory)).toEqual({ map: 'tx_ports', key: 1, flags: 0 });
  });

  it.each([
    ['an empty slot', 2, 2, 2n],
    ['an out-of-range key', 100, 1, 1n],
    ['an empty slot, fallback XDP_TX', 3, 3, 3n],
    ['a key whose low 32 bits are empty', '0x100000002', 0, 0n],
  ])('returns the fallback action in flags for %s', (_what, key, flags, want) => {
    const res = run(redirectMap(0, key, flags));
    expect(res.r0).toBe(want);
    expect(redirectTargetOf(res.memory)).toBeUndefined();
  });

  it('redirects through a devmap_hash for present keys only', () => {
    expect(run(redirectMap(1, 7, 2)).r0).toBe(4n);
    expect(run(redirectMap(1, 8, 2)).r0).toBe(2n);
  });

  it('redirects through a cpumap slot with a queue; a broadcast there is XDP_ABORTED', () => {
    const hit = run(redirectMap(2, 0, 2));
    expect(hit.r0).toBe(4n);
    expect(redirectTargetOf(hit.memory)).toEqual({ map: 'cpus', key: 0, flags: 0 });
    expect(run(redirectMap(2, 1, 2)).r0).toBe(2n);
    expect(run(redirectMap(2, 0, 0x0a)).r0).toBe(0n);
  });

  it('returns XDP_ABORTED for unknown flags, XDP_REDIRECT for a broadcast', () => {
    expect(run(redirectMap(0, 1, 0x22)).r0).toBe(0n);
    const bc = run(redirectMap(0, 2, 0x1a));
    expect(bc.r0).toBe(4n);
    expect(redirectTargetOf(bc.memory)).toEqual({ map: 'tx_ports', key: 2, flags: 0x18 });
  });

  it('keeps only the last lookup: a miss after a hit clears the target', () => {
    const asm = `
      lddw %r1, map_idx 0
      mov %r2, 1
      mov %r3, 0
      call 51
      lddw %r1, map_idx 0
      mov %r2, 6
      mov %r3, 2
      call 51
      exit`;
    const res = run(asm);
    expect(res.r0).toBe(2n);
    expect(redirectTargetOf(res.memory)).toBeUndefined();
  });

  it.each([
    ['a queue', QUEUE],
    ['an array (no stand-in for a devmap)', ARRAY],
  ])('is a HELPER_FAILED trap at the call for %s', (_what, def) => {
    let err: unknown;
    try {
      runOn(engine, xdpContext, redirectMap(0, 0, 0), frame(60), {
        maps: [def],
        // a populated slot: the array must not pass for a devmap even then
        setup: (maps) => (def === ARRAY ? maps.get('a').updateU32(0, 1) : undefined),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).code).toBe('HELPER_FAILED');
    expect((err as BpfError).insn).toBe(5);
  });
});

// ---- verifier and object wiring

describe('the verifier and the object path', () => {
  const registry = registerSkbHelpers(new HelperRegistry());
  const check = (
    asm: string,
  ): { ok: boolean; code?: string | undefined; insn?: number | undefined } => {
    const res = verify(assembleProgram(asm), {
      progType: 'sched_cls',
      helpers: protoLookup(registry, true),
    });
    return res.ok ? { ok: true } : { ok: false, code: res.error?.code, insn: res.error?.insn };
  };
  // Reads the first packet byte through a pointer loaded before `call`.
  const useAfter = (call: string): string => `
    mov %r6, %r1
    ldxw %r7, [%r6+76]
    ldxw %r8, [%r6+80]
    mov %r1, %r7
    add %r1, 14
    jle %r1, %r8, +2
    mov %r0, 0
    exit
    mov %r1, %r6
    ${call}
    ldxb %r0, [%r7+0]
    exit`;

  it.each([
    ['skb_change_tail', 'mov %r2, 80\nmov %r3, 0\ncall 38'],
    ['skb_pull_data', 'mov %r2, 14\ncall 39'],
  ])('invalidates packet pointers across %s', (_name, call) => {
    const res = check(useAfter(call));
    expect(res.ok).toBe(false);
    expect(res.code).toBe('VERIFY_INVALID_MEM');
    expect(res.insn).toBe(9 + call.split('\n').length);
  });

  it('accepts the same program without the call', () => {
    expect(check(useAfter('mov %r2, 0')).ok).toBe(true);
  });

  it('registers the three helpers for every object', () => {
    const obj = Vm.open(readFileSync('corpus/obj/xdp_adjust.o'));
    for (const id of [38, 39, 51]) expect(obj.helpers.has(id)).toBe(true);
  });
});
