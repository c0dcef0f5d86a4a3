import { describe, expect, it } from 'vitest';
import { interpEngine } from '../../src/interp/index.js';
import { assembleProgram } from '../../src/isa/index.js';
import { jitEngine } from '../../src/jit/index.js';
import {
  type ContextKind,
  socketContext,
  tcContext,
  xdpContext,
} from '../../src/runtime/context/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { type HostEnv, registerStandardHelpers } from '../../src/runtime/helpers/index.js';
import { flowHash } from '../../src/runtime/helpers/skb-meta.js';
import { DEFAULT_DATA_CAPACITY } from '../../src/runtime/layout.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { ENGINES, HOST } from './helpers-util.js';

/** Run `asm` on a context of `kind` holding `packet`; r0 and the context bytes after. */
function runOn(
  engine: EngineName,
  kind: ContextKind,
  asm: string,
  packet: Uint8Array,
  host: HostEnv = HOST,
): { r0: bigint; hash: number } {
  const memory = new VmMemory();
  const helpers = registerStandardHelpers(new HelperRegistry(), host);
  const eng = engine === 'jit' ? jitEngine : interpEngine;
  const exe = eng.prepare(assembleProgram(asm), { memory, helpers, budget: 10_000 });
  const { r1, r2 } = kind.enter(memory, { packet }, DEFAULT_DATA_CAPACITY);
  memory.clearStack();
  const r0 = exe.run(r1, r2);
  const ctx = kind.leave(memory).ctx;
  const hash =
    kind.name === 'skb' ? new DataView(ctx.buffer, ctx.byteOffset).getUint32(68, true) : 0;
  return { r0, hash };
}

/** Ethernet + IPv4 + TCP header with the given addresses and ports. */
function tcp4(src: number[], dst: number[], sport: number, dport: number): Uint8Array {
  const p = new Uint8Array(14 + 20 + 20);
  p.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  p.set([0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, ...src, ...dst], 14);
  p.set([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff], 34);
  return p;
}

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];

describe.each(ENGINES)('skb metadata helpers on %s', (engine) => {
  const recalc = 'call 34\nexit';

  it('get_hash_recalc hashes the flow, stores it in skb->hash, and is never 0', () => {
    const { r0, hash } = runOn(engine, tcContext, recalc, tcp4(A, B, 1000, 80));
    expect(r0).not.toBe(0n);
    expect(r0 < 2n ** 32n).toBe(true);
    expect(hash).toBe(Number(r0));
  });

  it('gives both directions of a flow the same hash, and other flows another', () => {
    const fwd = runOn(engine, tcContext, recalc, tcp4(A, B, 1000, 80)).r0;
    expect(runOn(engine, tcContext, recalc, tcp4(B, A, 80, 1000)).r0).toBe(fwd);
    expect(runOn(engine, tcContext, recalc, tcp4(A, B, 1001, 80)).r0).not.toBe(fwd);
    expect(
      runOn(engine, tcContext, recalc, tcp4(A, B, 1000, 80), { ...HOST, seed: 7 }).r0,
    ).not.toBe(fwd);
  });

  it('sees the same flow from a socket filter (packet from the network header)', () => {
    const tc = runOn(engine, tcContext, recalc, tcp4(A, B, 1000, 80)).r0;
    expect(runOn(engine, socketContext, recalc, tcp4(A, B, 1000, 80)).r0).toBe(tc);
  });

  it('set_hash sets skb->hash, which get_hash_recalc then returns', () => {
    const prog = `
      mov %r6, %r1
      mov %r2, 0x1234
      call 48
      mov %r7, %r0
      mov %r1, %r6
      call 34
      lsh %r7, 32
      or %r0, %r7
      exit`;
    const { r0, hash } = runOn(engine, tcContext, prog, tcp4(A, B, 1, 2));
    expect(r0).toBe(0x1234n);
    expect(hash).toBe(0x1234);
  });

  it('get_socket_cookie is 0 without a socket, else the host cookie', () => {
    expect(runOn(engine, tcContext, 'call 46\nexit', tcp4(A, B, 1, 2)).r0).toBe(0n);
    expect(
      runOn(engine, tcContext, 'call 46\nexit', tcp4(A, B, 1, 2), { ...HOST, socketCookie: 77n })
        .r0,
    ).toBe(77n);
  });

  it('returns 0 for a context that is not an skb', () => {
    expect(runOn(engine, xdpContext, recalc, tcp4(A, B, 1, 2)).r0).toBe(0n);
  });
});

describe('flowHash', () => {
  it('is seeded and never 0', () => {
    expect(flowHash([1, 2, 3], 1)).not.toBe(flowHash([1, 2, 3], 2));
    for (let s = 0; s < 1000; s++) expect(flowHash([s], s)).not.toBe(0);
  });
});
