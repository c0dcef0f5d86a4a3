// Runners (obj.runner(name).run(packet)) against run(): the same retval, r0, output packet,
// last program and tail-call count over the kernel-recorded corpus packets, for xdp, tc, socket
// filters, tail calls and packet-moving helpers, in the interpreter, the JIT and AOT code; the
// same RunErrors; and the fresh frame and stack every run gets while a run zeroes only what
// earlier runs wrote (packets shrinking, programs of other context kinds in between).

import { describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { AotObject } from '../../src/aot/object.js';
import type { BpfObject } from '../../src/elf/object.js';
import { BpfError, RunError } from '../../src/errors.js';
import { interpEngine } from '../../src/interp/index.js';
import { assemble, assembleProgram } from '../../src/isa/index.js';
import { jitEngine } from '../../src/jit/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { MAX_FRAMES } from '../../src/runtime/layout.js';
import { MapType } from '../../src/runtime/maps/index.js';
import {
  type ObjectRuntime,
  type ProgramRunner,
  VmObject,
} from '../../src/runtime/object/index.js';
import { stackFramesOf } from '../../src/runtime/object/frames.js';
import { Vm } from '../../src/vm.js';
import {
  CORPUS,
  type GoldenCase,
  applySetup,
  goldenCases,
  hex,
  openCase,
} from '../corpus/replay.js';

const ENGINES: readonly EngineName[] = ['interp', 'jit'];

/** Golden files whose packets a runner can take (no ctx_in in the setup), one per feature. */
const CASES: ReadonlyArray<readonly [string, string]> = [
  ['xdp_firewall', 'xdp_firewall'],
  ['tc_nat', 'tc_dnat'],
  ['tc_nat', 'tc_snat'],
  ['socket_filter', 'dns_filter'],
  ['socket_filter', 'syn_filter'],
  ['tail_calls', 'xdp_dispatch'],
  ['tail_calls', 'xdp_chain'],
  ['xdp_adjust', 'xdp_ipip_encap'],
  ['xdp_adjust', 'xdp_ipip_decap'],
  ['xdp_adjust', 'xdp_meta'],
  ['xdp_adjust', 'xdp_trim'],
  ['tc_resize', 'tc_resize'],
  ['bpf2bpf', 'tc_hash_flow'],
];

const byLabel = new Map(goldenCases().map((c) => [`${c.golden.object}.${c.golden.program}`, c]));

function caseOf(object: string, program: string): GoldenCase {
  const c = byLabel.get(`${object}.${program}`);
  if (c === undefined) throw new Error(`no golden case ${object}.${program}`);
  return c;
}

/** Every value of the object's array and hash maps, as hex lines. */
function mapDump(obj: ObjectRuntime): string[] {
  const out: string[] = [];
  for (const map of obj.maps) {
    if (map.type !== MapType.ARRAY && map.type !== MapType.HASH) continue;
    for (const key of map.keys()) {
      const value = map.lookup(key);
      out.push(
        `${map.name} ${Buffer.from(key).toString('hex')} ${Buffer.from(value ?? []).toString('hex')}`,
      );
    }
  }
  return out.sort();
}

interface Observed {
  readonly retval: number;
  readonly r0: bigint;
  readonly packet: string;
  readonly program: string;
  readonly tailCalls: number;
}

function fromRunner(runner: ProgramRunner, packet: Uint8Array): Observed {
  const retval = runner.run(packet);
  const view = runner.packetView();
  const copy = runner.packet();
  expect(copy).toEqual(view);
  expect(runner.packetLength).toBe(view.length);
  // A view into VM memory, not a copy.
  expect(view.buffer).not.toBe(copy.buffer);
  return {
    retval,
    r0: runner.r0,
    packet: Buffer.from(copy).toString('hex'),
    program: runner.program,
    tailCalls: runner.tailCalls,
  };
}

function fromRun(obj: ObjectRuntime, name: string, packet: Uint8Array): Observed {
  const res = obj.run(name, { packet });
  return {
    retval: res.retval,
    r0: res.r0,
    packet: Buffer.from(res.packet ?? res.mem ?? new Uint8Array(0)).toString('hex'),
    program: res.program,
    tailCalls: res.tailCalls,
  };
}

/** Replay a case's packets through run() on one object and a runner on another: same results. */
function compareCase(a: ObjectRuntime, b: ObjectRuntime, c: GoldenCase): number {
  const runner = b.runner(c.golden.program);
  let compared = 0;
  for (const run of c.golden.runs) {
    if (run.error !== undefined) continue;
    const packet = hex(run.packetIn);
    const viaRun = fromRun(a, c.golden.program, packet);
    const viaRunner = fromRunner(runner, packet);
    expect(viaRunner).toEqual(viaRun);
    // And both what the kernel recorded.
    expect(viaRunner.retval).toBe(Number(BigInt(run.r0 ?? '0')));
    if (run.packetOut !== undefined) expect(viaRunner.packet).toBe(run.packetOut);
    compared++;
  }
  expect(mapDump(b)).toEqual(mapDump(a));
  return compared;
}

describe.each(ENGINES)('runner over the corpus (%s)', (engine) => {
  it.each(CASES)('%s.%s: runner.run = run()', (object, program) => {
    const c = caseOf(object, program);
    const a = openCase(c, engine);
    const b = openCase(c, engine);
    applySetup(a, c);
    applySetup(b, c);
    expect(compareCase(a, b, c)).toBeGreaterThan(0);
  });

  it('xdp_chain follows 33 tail calls and ends in xdp_chain_step', () => {
    const c = caseOf('tail_calls', 'xdp_chain');
    const obj = openCase(c, engine);
    applySetup(obj, c);
    const runner = obj.runner('xdp_chain');
    runner.run(hex(c.golden.runs[0]!.packetIn));
    expect(runner.tailCalls).toBe(33);
    expect(runner.program).toBe('xdp_chain_step');
    expect(runner.name).toBe('xdp_chain');
  });

  it('programs of several kinds interleaved on one object give what fresh objects give', () => {
    // xdp programs that move data, data_end and data_meta, then tc and socket filter programs.
    const adjust = ['xdp_ipip_encap', 'xdp_ipip_decap', 'xdp_meta', 'xdp_trim'] as const;
    const shared = openCase(caseOf('xdp_adjust', 'xdp_meta'), engine);
    const runners = adjust.map((p) => shared.runner(p));
    const fresh = adjust.map((p) => {
      const c = caseOf('xdp_adjust', p);
      return c.golden.runs.map((run) => fromRun(openCase(c, engine), p, hex(run.packetIn)));
    });
    for (let round = 0; round < 2; round++) {
      adjust.forEach((p, i) => {
        caseOf('xdp_adjust', p).golden.runs.forEach((run, k) => {
          const packet = hex(run.packetIn);
          const mixed = round === 0 ? fromRun(shared, p, packet) : fromRunner(runners[i]!, packet);
          expect(mixed).toEqual(fresh[i]![k]);
        });
      });
    }
    const tc = caseOf('bpf2bpf', 'tc_hash_flow');
    const xdp = caseOf('bpf2bpf', 'xdp_hash_flow');
    const mixed = openCase(tc, engine);
    const tcRunner = mixed.runner('tc_hash_flow');
    const xdpRunner = mixed.runner('xdp_hash_flow');
    for (const [c, runner] of [
      [tc, tcRunner],
      [xdp, xdpRunner],
      [tc, tcRunner],
    ] as const) {
      for (const run of c.golden.runs) {
        const packet = hex(run.packetIn);
        expect(fromRunner(runner, packet)).toEqual(
          fromRun(openCase(c, engine), c.golden.program, packet),
        );
      }
    }
  });

  it('throws the RunErrors run() throws: budget, and a trap with its instruction and C line', () => {
    const c = caseOf('xdp_firewall', 'xdp_firewall');
    const packet = hex(c.golden.runs[0]!.packetIn);
    const a = openCase(c, engine);
    const b = openCase(c, engine);
    a.budget = 5;
    b.budget = 5;
    const viaRun = thrown(() => a.run('xdp_firewall', { packet }));
    const viaRunner = thrown(() => b.runner('xdp_firewall').run(packet));
    expect(viaRunner).toBeInstanceOf(RunError);
    expect(viaRunner.code).toBe('BUDGET_EXHAUSTED');
    expect([viaRunner.code, viaRunner.insn]).toEqual([viaRun.code, viaRun.insn]);

    const fixture = new URL('./fixtures/trap_line.o', import.meta.url).pathname;
    const pointer = Uint8Array.of(0xf0, 0xff, 0xff, 0x7f, 0, 0, 0, 0);
    const t1 = thrown(() =>
      Vm.open(fixture, { verify: false, engine }).run('deref', { packet: pointer }),
    );
    const runner = Vm.open(fixture, { verify: false, engine }).runner('deref');
    const t2 = thrown(() => runner.run(pointer));
    expect(t2.code).toBe('OUT_OF_BOUNDS');
    expect([t2.code, t2.insn, t2.line]).toEqual([t1.code, t1.insn, t1.line]);
    // The runner still runs after a trap.
    expect(() => runner.run(pointer)).toThrow(RunError);
  });

  it('rejects what run() rejects about the packet, and ctx-only program types', () => {
    const c = caseOf('tc_nat', 'tc_dnat');
    const obj = openCase(c, engine);
    const runner = obj.runner('tc_dnat');
    expect(thrown(() => runner.run(new Uint8Array(10))).code).toBe('BAD_INPUT');
    expect(thrown(() => obj.run('tc_dnat', { packet: new Uint8Array(10) })).code).toBe('BAD_INPUT');
    expect(thrown(() => runner.run(new Uint8Array(0x20000))).code).toBe('INPUT_TOO_LARGE');
    const kprobe = Vm.open(`${CORPUS}obj/trace_kprobe.o`, { engine });
    const name = kprobe.programs[0]!.name;
    expect(thrown(() => kprobe.runner(name)).code).toBe('UNSUPPORTED');
  });

  it('prepares the program again after registerHelper', () => {
    const c = caseOf('socket_filter', 'syn_filter');
    const obj = openCase(c, engine);
    const runner = obj.runner('syn_filter');
    const packet = hex(c.golden.runs[0]!.packetIn);
    const before = runner.run(packet);
    // bpf_skb_load_bytes failing: the program sees no bytes and takes its error path.
    obj.registerHelper(26, () => -14, 'skb_load_bytes');
    const after = runner.run(packet);
    expect(after).toBe(obj.run('syn_filter', { packet }).retval);
    expect(after).not.toBe(before);
  });
});

function thrown(f: () => unknown): BpfError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BpfError);
    return e as BpfError;
  }
  throw new Error('expected a throw');
}

describe('runner on AOT code', () => {
  it('gives what run() gives on the same module', () => {
    for (const [object, program] of [
      ['xdp_firewall', 'xdp_firewall'],
      ['tail_calls', 'xdp_chain'],
      ['socket_filter', 'dns_filter'],
    ] as const) {
      const c = caseOf(object, program);
      const aot = compileAot(openCase(c, 'jit').object);
      const a = new AotObject(new WebAssembly.Module(aot.wasm));
      const b = new AotObject(new WebAssembly.Module(aot.wasm));
      applySetup(a, c);
      applySetup(b, c);
      expect(b.runner(program).engine).toBe('aot');
      expect(compareCase(a, b, c)).toBeGreaterThan(0);
    }
  });
});

// Hand-made objects (unverified: they read what the verifier would refuse) show that every run
// gets a zeroed stack and frame even though only what earlier runs wrote is zeroed.

const resolve = (name: EngineName) => (name === 'jit' ? jitEngine : interpEngine);

function objectOf(
  programs: ReadonlyArray<{ name: string; section: string; type: string; asm: string }>,
): BpfObject {
  return {
    programs: programs.map((p) => ({
      name: p.name,
      section: p.section,
      type: p.type as never,
      typeId: 0,
      insns: assemble(p.asm),
      relocations: [],
    })),
    maps: [],
    license: 'GPL',
    version: 0,
  };
}

const HANDMADE = objectOf([
  {
    // r0 = the stack's [r10-8] before the run writes it, or'ed with the 8 bytes at data+100.
    name: 'peek',
    section: 'xdp',
    type: 'xdp',
    asm: `
      ldxw %r2, [%r1]
      ldxdw %r0, [%r10-8]
      mov %r3, -1
      stxdw [%r10-8], %r3
      ldxdw %r4, [%r2+100]
      or %r0, %r4
      exit`,
  },
  {
    // Only the stack: runs in the interpreter too (data+100 is outside a short packet's region).
    name: 'stack',
    section: 'xdp',
    type: 'xdp',
    asm: `
      ldxdw %r0, [%r10-8]
      mov %r3, -1
      stxdw [%r10-8], %r3
      exit`,
  },
  {
    // A tc program writing every byte of its (long) packet.
    name: 'scribble',
    section: 'tc',
    type: 'sched_cls',
    asm: `
      ldxw %r2, [%r1+76]
      ldxw %r3, [%r1+80]
      mov %r4, 0xab
    loop:
      jge %r2, %r3, done
      stxb [%r2], %r4
      add %r2, 1
      ja loop
    done:
      mov %r0, 0
      exit`,
  },
  {
    // Move data 64 bytes down into the headroom (xdp_adjust_head) and write there.
    name: 'grow_write',
    section: 'xdp',
    type: 'xdp',
    asm: `
      mov %r6, %r1
      mov %r2, -64
      call 44
      ldxw %r2, [%r6]
      mov %r3, -1
      stxdw [%r2], %r3
      mov %r0, 0
      exit`,
  },
  {
    // The same move, then read what is there.
    name: 'grow_read',
    section: 'xdp',
    type: 'xdp',
    asm: `
      mov %r6, %r1
      mov %r2, -64
      call 44
      ldxw %r2, [%r6]
      ldxdw %r0, [%r2]
      exit`,
  },
  {
    // Raw memory: add 1 to each byte, return their sum.
    name: 'raw_sum',
    section: 'raw',
    type: 'unspec',
    asm: `
      mov %r0, 0
    loop:
      jeq %r2, 0, done
      ldxb %r3, [%r1]
      add %r3, 1
      stxb [%r1], %r3
      add %r0, %r3
      add %r1, 1
      sub %r2, 1
      ja loop
    done:
      exit`,
  },
]);

describe.each(ENGINES)('fresh stack and frame for every run (%s)', (engine) => {
  const open = (): VmObject => new VmObject(HANDMADE, resolve, { engine, verify: false });

  it('a run never sees the stack an earlier run wrote', () => {
    const obj = open();
    const runner = obj.runner('stack');
    for (let i = 0; i < 3; i++) expect(runner.run(new Uint8Array(60))).toBe(0);
    expect(obj.run('stack', { packet: new Uint8Array(60) }).r0).toBe(0n);
  });

  it('headroom a run moved into and wrote is zero again for the next', () => {
    const obj = open();
    const write = obj.runner('grow_write');
    const read = obj.runner('grow_read');
    const packet = new Uint8Array(60);
    expect(read.run(packet)).toBe(0);
    expect(write.run(packet)).toBe(0);
    expect(write.packetLength).toBe(124);
    expect(read.run(packet)).toBe(0);
    expect(read.r0).toBe(0n);
    expect(write.run(packet)).toBe(0);
    expect(obj.run('grow_read', { packet }).r0).toBe(0n);
  });

  it('raw memory runs through a runner too', () => {
    const obj = open();
    const runner = obj.runner('raw_sum');
    expect(runner.run(Uint8Array.of(1, 2, 3))).toBe(9);
    expect([...runner.packetView()]).toEqual([2, 3, 4]);
    expect(obj.run('raw_sum', { mem: Uint8Array.of(1, 2, 3) }).mem).toEqual(Uint8Array.of(2, 3, 4));
  });

  it.runIf(engine === 'jit')('bytes past a short packet are zero after longer ones', () => {
    const obj = open();
    const peek = obj.runner('peek');
    const long = new Uint8Array(300).fill(0x11);
    expect(peek.run(long)).toBe(0x11111111);
    // A tc run writing a longer frame, then xdp again with a packet shorter than data+100.
    expect(obj.runner('scribble').run(new Uint8Array(1500).fill(1))).toBe(0);
    expect(peek.run(new Uint8Array(60).fill(0x22))).toBe(0);
    expect(peek.r0).toBe(0n);
    expect(obj.run('peek', { packet: new Uint8Array(60) }).r0).toBe(0n);
    // Raw memory in between leaves nothing behind either.
    obj.run('raw_sum', { mem: new Uint8Array(400).fill(0x7f) });
    expect(peek.run(new Uint8Array(60))).toBe(0);
  });
});

describe('stack frames a run may write', () => {
  it.each([
    ['mov %r0, 0\nexit', 1],
    ['mov %r1, 0\nstxdw [%r10-8], %r1\nmov %r0, 0\nexit', 1],
    ['call local f\nexit\nf:\nmov %r0, 1\nexit', MAX_FRAMES],
  ] as const)('%s: %d', (asm, frames) => {
    expect(stackFramesOf(assembleProgram(asm))).toBe(frames);
  });

  it('counts function pointers (callbacks) as calls', () => {
    const obj = Vm.open(`${CORPUS}obj/loops.o`);
    const withLoop = obj.programs.find((p) =>
      p.original.insns.some((i) => i.code === 0x18 && i.src === 4),
    );
    expect(withLoop).toBeDefined();
    expect(stackFramesOf(withLoop!.program)).toBe(MAX_FRAMES);
  });
});
