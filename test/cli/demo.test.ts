// `ebpf-wasm demo` in process: the JSON report on corpus objects (verified, JIT- and
// AOT-compiled, every sample packet agreeing in the interpreter, the JIT and the AOT module with
// the kernel's recorded r0, maps, speedups), the AOT module --out-dir writes, an object with a
// rejected program (AOT compiles the rest), the text report, objects without golden runs, a
// corpus whose recorded r0 was altered (the demo must notice), bad input; and the pieces it is
// built from (action names, the disagreement and AOT lines, the golden and setup readers, the
// timing loop's structure, the progress line, the variadic argument).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli-util.js';
import { parseArgs } from '../../src/cli/args.js';
import { demoSpec } from '../../src/cli/demo.js';
import {
  actionName,
  type AotCompileReport,
  failuresOf,
  type ObjectReport,
  type PacketReport,
  type RunReport,
} from '../../src/cli/demo-report.js';
import { aotLines, runText } from '../../src/cli/demo-text.js';
import { goldensOf, samplePackets, setupOf } from '../../src/cli/demo-corpus.js';
import { timeEngines } from '../../src/cli/demo-timing.js';
import { Progress } from '../../src/cli/progress.js';
import { engineAvailable } from '../../src/conformance/engines.js';

const ROOT = join(import.meta.dirname, '../..');
const CORPUS = join(ROOT, 'corpus');
const hasJit = await engineAvailable('jit');
const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  readonly r0: string;
  readonly retval: number;
  readonly action: string;
  readonly packet: string;
}
interface PacketJson {
  readonly desc: string;
  readonly kernel: { readonly retval: number; readonly action: string } | null;
  readonly interp: Outcome | { readonly error: unknown } | null;
  readonly jit: Outcome | { readonly error: unknown } | null;
  readonly aot: Outcome | { readonly error: unknown } | null;
  readonly agree: boolean;
  readonly modified: boolean;
  readonly packetMatchesKernel: boolean | null;
}
interface DemoJson {
  readonly jitImportMs: number;
  readonly objects: readonly {
    readonly file: string;
    readonly programs: readonly { name: string; type: string; insns: number }[];
    readonly maps: readonly { name: string; type: string; maxEntries: number }[];
    readonly verify: readonly { program: string; accepted: boolean; insnsProcessed: number }[];
    readonly compile: readonly { program: string; ok: boolean; wasmBytes: number }[];
    readonly aot: AotCompileReport;
    readonly runs: readonly {
      program: string;
      packets: readonly PacketJson[];
      mapsAgree: boolean;
      mapsDiffer: readonly string[];
      maps: Record<string, readonly { key?: string; value?: string }[]>;
    }[];
    readonly speed: readonly {
      program: string;
      packets: number;
      interpNsPerPacket: number;
      jitNsPerPacket: number;
      aotNsPerPacket: number | null;
      speedup: number;
      aotSpeedup: number | null;
    }[];
  }[];
  readonly failures: readonly string[];
}

function golden(stem: string): { runs: { r0?: string; error?: string }[] } {
  return JSON.parse(readFileSync(join(CORPUS, 'golden', `${stem}.json`), 'utf8')) as {
    runs: { r0?: string; error?: string }[];
  };
}

function outcome(o: PacketJson['interp']): Outcome {
  expect(o).not.toBeNull();
  expect(o).not.toHaveProperty('error');
  return o as Outcome;
}

/**
 * Every packet of every run: the three engines give the kernel's retval, aot the JIT's full r0
 * and output packet; maps agree across the three.
 */
function expectAllAgree(o: DemoJson['objects'][number], stem: string): void {
  for (const run of o.runs) {
    const recorded = golden(`${stem}.${run.program}`).runs;
    expect(run.packets).toHaveLength(recorded.length);
    run.packets.forEach((p, i) => {
      const kernel = Number(BigInt(recorded[i]?.r0 ?? '-1'));
      const [a, b, c] = [outcome(p.interp), outcome(p.jit), outcome(p.aot)];
      for (const x of [a, b, c]) expect(x.retval, `${run.program}: ${p.desc}`).toBe(kernel);
      expect(b.r0, p.desc).toBe(a.r0);
      expect(c.r0, p.desc).toBe(b.r0);
      expect(c.packet, p.desc).toBe(b.packet);
      expect(p.agree, p.desc).toBe(true);
    });
    expect(run.mapsAgree, run.program).toBe(true);
    expect(run.mapsDiffer).toEqual([]);
  }
}

describe.skipIf(!hasJit)('ebpf-wasm demo --json', () => {
  it('verifies, compiles, runs and times tc_nat.o; both engines agree with the kernel', async () => {
    const r = await cli('demo', join(CORPUS, 'obj/tc_nat.o'), '--json', '--time-ms', '50');
    expect(r.err).toContain('importing the JIT');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DemoJson;
    expect(report.failures).toEqual([]);
    expect(report.objects).toHaveLength(1);
    const o = report.objects[0] as DemoJson['objects'][number];
    expect(o.file).toBe('tc_nat.o');
    expect(o.programs.map((p) => [p.name, p.type])).toEqual([
      ['tc_dnat', 'sched_cls'],
      ['tc_snat', 'sched_cls'],
    ]);
    expect(o.maps.map((m) => m.name).sort()).toEqual(['backends', 'nat_count']);
    for (const v of o.verify) {
      expect(v.accepted, v.program).toBe(true);
      expect(v.insnsProcessed).toBeGreaterThan(0);
    }
    for (const c of o.compile) {
      expect(c.ok, c.program).toBe(true);
      expect(c.wasmBytes).toBeGreaterThan(8);
    }
    // One module for both programs, its manifest recording both maps; not written anywhere.
    expect(o.aot).toMatchObject({ ok: true, programs: 2, maps: 2, error: null, path: null });
    expect(o.aot.wasmBytes).toBeGreaterThan(0);
    expect(o.aot.ms).toBeGreaterThan(0);

    expect(o.runs.map((x) => x.program)).toEqual(['tc_dnat', 'tc_snat']);
    for (const run of o.runs) {
      // The kernel's r0 as the golden file records it, independently of the demo's reading.
      const recorded = golden(`tc_nat.${run.program}`).runs;
      expect(run.packets).toHaveLength(recorded.length);
      run.packets.forEach((p, i) => {
        const kernel = Number(BigInt(recorded[i]?.r0 ?? '-1'));
        expect(p.kernel?.retval, p.desc).toBe(kernel);
        const a = outcome(p.interp);
        const b = outcome(p.jit);
        const c = outcome(p.aot);
        expect(a.retval, p.desc).toBe(kernel);
        expect(b.retval, p.desc).toBe(kernel);
        expect(c.retval, p.desc).toBe(kernel);
        expect(b.r0).toBe(a.r0);
        expect(c.r0).toBe(b.r0);
        expect(c.packet).toBe(b.packet);
        expect(a.action).toBe(actionName('sched_cls', kernel));
        expect(p.agree).toBe(true);
        expect(p.packetMatchesKernel).toBe(true);
      });
      expect(run.mapsAgree).toBe(true);
      expect(Object.keys(run.maps).sort()).toEqual(['backends', 'nat_count']);
      expect(run.maps['backends']).toHaveLength(4);
    }
    // tc_dnat rewrites the packets sent to the VIP and leaves the others alone.
    const dnat = o.runs[0]?.packets ?? [];
    expect(dnat.some((p) => p.modified)).toBe(true);
    expect(dnat.some((p) => !p.modified)).toBe(true);

    expect(o.speed.map((s) => s.program)).toEqual(['tc_dnat', 'tc_snat']);
    for (const s of o.speed) {
      expect(s.packets).toBeGreaterThan(0);
      for (const v of [
        s.interpNsPerPacket,
        s.jitNsPerPacket,
        s.aotNsPerPacket,
        s.speedup,
        s.aotSpeedup,
      ]) {
        expect(typeof v === 'number' && Number.isFinite(v) && v > 0, String(v)).toBe(true);
      }
    }
  });

  it('tail_calls.o: aot agrees with the jit and the kernel; --out-dir writes a loadable module', async () => {
    const out = join(tmp, 'out', 'nested');
    const r = await cli(
      'demo',
      join(CORPUS, 'obj/tail_calls.o'),
      '--json',
      '--time-ms',
      '0',
      '--out-dir',
      out,
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as DemoJson;
    expect(report.failures).toEqual([]);
    const o = report.objects[0] as DemoJson['objects'][number];
    expect(o.runs.map((x) => x.program)).toEqual(['xdp_dispatch', 'xdp_ipv4', 'xdp_chain']);
    expectAllAgree(o, 'tail_calls');

    const path = join(out, 'tail_calls.wasm');
    expect(o.aot).toMatchObject({ ok: true, programs: 6, maps: 2, path });
    const wasm = readFileSync(path);
    expect(wasm.length).toBe(o.aot.wasmBytes);
    const module = new WebAssembly.Module(wasm);
    const sections = WebAssembly.Module.customSections(module, 'ebpf-wasm.manifest');
    expect(sections).toHaveLength(1);
    const manifest = JSON.parse(new TextDecoder().decode(sections[0])) as {
      source: string;
      programs: { name: string; verified: boolean }[];
      maps: { name: string }[];
    };
    expect(manifest.source).toBe('tail_calls.o');
    expect(manifest.programs.map((p) => p.name)).toEqual(o.programs.map((p) => p.name));
    expect(manifest.programs.every((p) => p.verified)).toBe(true);
    expect(manifest.maps.map((m) => m.name).sort()).toEqual(['hits', 'jmp_table']);
  });

  it('an object with a rejected program: AOT compiles the accepted one, which agrees', async () => {
    // perf_output.o as xdp: tc_sample does pointer arithmetic xdp may not do; xdp_sample is fine.
    const corpus = join(tmp, 'rejecting');
    for (const d of ['obj', 'golden', 'src']) mkdirSync(join(corpus, d), { recursive: true });
    copyFileSync(join(CORPUS, 'obj/perf_output.o'), join(corpus, 'obj/perf_output.o'));
    copyFileSync(
      join(CORPUS, 'golden/perf_output.xdp_sample.json'),
      join(corpus, 'golden/perf_output.xdp_sample.json'),
    );
    const setup = JSON.parse(
      readFileSync(join(CORPUS, 'src/perf_output.setup.json'), 'utf8'),
    ) as object;
    writeFileSync(
      join(corpus, 'src/perf_output.setup.json'),
      JSON.stringify({ ...setup, type: 'xdp' }),
    );
    const r = await cli(
      'demo',
      join(corpus, 'obj/perf_output.o'),
      '--corpus',
      corpus,
      '--json',
      '--time-ms',
      '0',
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as DemoJson;
    expect(report.failures).toEqual(['perf_output.o: tc_sample rejected by the verifier']);
    const o = report.objects[0] as DemoJson['objects'][number];
    expect(o.verify.map((v) => v.accepted)).toEqual([false, true]);
    expect(o.aot).toMatchObject({ ok: true, programs: 1, error: null, skipped: null });
    expect(o.runs.map((x) => x.program)).toEqual(['xdp_sample']);
    expectAllAgree(o, 'perf_output');
  });

  it('skips the packets the kernel refused and still agrees on the rest', async () => {
    const stem = 'counter_hash.tc_count_src';
    const refused = golden(stem).runs.filter((x) => x.error !== undefined).length;
    expect(refused).toBeGreaterThan(0);
    const r = await cli('demo', join(CORPUS, 'obj/counter_hash.o'), '--json', '--time-ms', '0');
    expect(r.code, r.err).toBe(0);
    const o = (JSON.parse(r.out) as DemoJson).objects[0] as DemoJson['objects'][number];
    const packets = o.runs[0]?.packets ?? [];
    expect(packets.filter((p) => p.kernel === null)).toHaveLength(refused);
    for (const p of packets.filter((x) => x.kernel !== null)) expect(p.agree, p.desc).toBe(true);
    expect(o.speed).toEqual([]);
  });

  it('notices when the recorded r0 disagrees (a corpus with one r0 altered): exit 1', async () => {
    const corpus = join(tmp, 'corpus');
    for (const d of ['obj', 'golden', 'src']) mkdirSync(join(corpus, d), { recursive: true });
    copyFileSync(join(CORPUS, 'obj/tail_calls.o'), join(corpus, 'obj/tail_calls.o'));
    copyFileSync(
      join(CORPUS, 'src/tail_calls.setup.json'),
      join(corpus, 'src/tail_calls.setup.json'),
    );
    const g = golden('tail_calls.xdp_ipv4') as { runs: { r0?: string }[] };
    (g.runs[0] as { r0?: string }).r0 = '0x1';
    writeFileSync(join(corpus, 'golden/tail_calls.xdp_ipv4.json'), JSON.stringify(g));

    const r = await cli(
      'demo',
      join(corpus, 'obj/tail_calls.o'),
      '--corpus',
      corpus,
      '--json',
      '--time-ms',
      '0',
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as DemoJson;
    const packets = report.objects[0]?.runs[0]?.packets ?? [];
    expect(packets[0]?.agree).toBe(false);
    expect(packets.slice(1).every((p) => p.agree)).toBe(true);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toContain('xdp_ipv4 packet 1');

    // The engines agree with each other; the text says so and names the kernel's action.
    const action = outcome(packets[0]?.interp ?? null).action;
    const text = await cli(
      'demo',
      join(corpus, 'obj/tail_calls.o'),
      '--corpus',
      corpus,
      '--time-ms',
      '0',
    );
    expect(text.code).toBe(1);
    expect(text.out).toContain(`DIFFER: interp = jit = aot ${action}, kernel XDP_DROP`);
  });

  it('a --out-dir that cannot be made is a one-line error before any work', async () => {
    const file = join(tmp, 'plain-file');
    writeFileSync(file, 'x');
    const r = await cli('demo', join(CORPUS, 'obj/tc_nat.o'), '--out-dir', join(file, 'sub'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^ebpf-wasm: .*cannot create .*plain-file\/sub.*\n$/);
  });
});

describe.skipIf(!hasJit)('ebpf-wasm demo (text)', () => {
  it('prints programs, maps, verdicts, the JIT output, actions, maps after and a summary', async () => {
    const r = await cli('demo', join(CORPUS, 'obj/tail_calls.o'), '--time-ms', '20');
    expect(r.code, r.err).toBe(0);
    for (const text of [
      '== tail_calls.o',
      'jmp_table  prog_array  4    4      8',
      'verify   xdp_dispatch: accepted',
      'compile  xdp_dispatch: 39 insns -> ',
      'aot  tail_calls.o: 6 programs -> ',
      ' bytes of wasm (manifest: 2 maps) in ',
      'run xdp_dispatch (xdp) on 7 sample packets',
      'XDP_TX',
      'interp = jit = aot = kernel',
      'maps after the runs (interp, jit and aot agree):',
      '  hits: 00000000: 0700000000000000',
      'speed    xdp_dispatch: interp ',
      ' ns/packet: speedup jit ',
      '== summary',
      'AOT ns/pkt',
      'most of the time in every engine',
      'all verified, compiled and in agreement',
    ]) {
      expect(r.out).toContain(text);
    }
    expect(r.out).not.toContain('DIFFER');
    expect(r.out).not.toContain('wrote');
    expect(r.out).toMatch(
      /speed {4}xdp_dispatch: interp [\d,.]+, jit [\d,.]+, aot [\d,.]+ ns\/packet/,
    );
    expect(r.err).toContain('… measuring xdp_dispatch (interp, jit, aot)');
  });

  it('loads, verifies and compiles an object without golden runs, and says so', async () => {
    const path = join(tmp, 'mine.o');
    copyFileSync(join(CORPUS, 'obj/counter_array.o'), path);
    const r = await cli('demo', path, '--time-ms', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('verify   xdp_count_proto: accepted');
    expect(r.out).toContain('compile  xdp_count_proto: ');
    expect(r.out).toContain('no sample packets: the corpus has no golden runs for mine');
  });

  it('a file that is not an ELF object is a one-line error', async () => {
    const path = join(tmp, 'not-elf.o');
    writeFileSync(path, 'mov %r0, 0\nexit\n');
    const r = await cli('demo', path, '--json');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^ebpf-wasm: .*not an ELF object\n$/);
  });
});

describe('demo pieces', () => {
  it.each([
    ['xdp', 0, 'XDP_ABORTED'],
    ['xdp', 1, 'XDP_DROP'],
    ['xdp', 2, 'XDP_PASS'],
    ['xdp', 3, 'XDP_TX'],
    ['xdp', 4, 'XDP_REDIRECT'],
    ['sched_cls', 0, 'TC_ACT_OK'],
    ['sched_cls', 2, 'TC_ACT_SHOT'],
    ['sched_act', 7, 'TC_ACT_REDIRECT'],
    ['sched_cls', 0xffff_ffff, 'TC_ACT_UNSPEC'],
    ['socket_filter', 0, 'drop'],
    ['socket_filter', 57, 'keep 57 bytes'],
    ['unspec', 255, 'r0=0xff'],
  ])('actionName(%s, %d) is %s', (type, retval, name) => {
    expect(actionName(type, retval)).toBe(name);
  });

  const aotOk: AotCompileReport = {
    ok: true,
    programs: 2,
    wasmBytes: 1234,
    maps: 1,
    ms: 12.5,
    error: null,
    skipped: null,
    path: null,
  };

  it('the AOT line: compiled, written, skipped, failed', () => {
    expect(aotLines('x.o', aotOk)).toBe(
      'aot  x.o: 2 programs -> 1234 bytes of wasm (manifest: 1 map) in 13 ms\n',
    );
    expect(aotLines('x.o', { ...aotOk, path: 'out/x.wasm' })).toContain(
      'aot  x.o: wrote out/x.wasm\n',
    );
    const skipped = { ...aotOk, ok: false, skipped: 'none accepted' };
    expect(aotLines('x.o', skipped)).toBe('aot  x.o: not compiled: none accepted\n');
    const error = { code: 'COMPILE_FAILED', insn: 3, message: 'compile: boom at insn 3' };
    expect(aotLines('x.o', { ...aotOk, ok: false, error })).toBe(
      'aot  x.o: FAILED: compile: boom at insn 3\n',
    );
  });

  const pass = { r0: '0x2', retval: 2, action: 'XDP_PASS', packet: 'aabb' };
  const packet = (over: Partial<PacketReport>): PacketReport => ({
    desc: 'p',
    kernel: { retval: 2, action: 'XDP_PASS' },
    interp: pass,
    jit: pass,
    aot: pass,
    agree: false,
    modified: false,
    packetMatchesKernel: null,
    ...over,
  });
  const run = (packets: PacketReport[], mapsDiffer: RunReport['mapsDiffer'] = []): RunReport => ({
    program: 'prog',
    type: 'xdp',
    golden: 'golden/x.prog.json',
    kernel: 'k',
    packets,
    mapsAgree: mapsDiffer.length === 0,
    mapsDiffer,
    maps: { m: [{ key: '00', value: '01' }] },
  });

  it('names the engines that disagree, and how (action, r0, packet)', () => {
    const text = runText(
      run([
        packet({ agree: true }),
        packet({ aot: { ...pass, packet: 'aacc' } }),
        packet({ jit: { ...pass, r0: '0x100000002' } }),
        packet({ aot: { error: { code: 'RUN_TRAP', insn: 4, message: 'trap' } } }),
        packet({ kernel: { retval: 1, action: 'XDP_DROP' } }),
      ]),
      [{ name: 'm', type: 'hash', keySize: 1, valueSize: 1, maxEntries: 1 }],
    );
    expect(text).toContain('interp = jit = aot = kernel');
    expect(text).toContain(
      'DIFFER: interp = jit XDP_PASS (packet differs), aot XDP_PASS (packet differs), kernel XDP_PASS',
    );
    expect(text).toContain(
      'DIFFER: interp = aot XDP_PASS (r0 0x2), jit XDP_PASS (r0 0x100000002), kernel XDP_PASS',
    );
    expect(text).toContain('DIFFER: interp = jit XDP_PASS, aot error RUN_TRAP, kernel XDP_PASS');
    expect(text).toContain('DIFFER: interp = jit = aot XDP_PASS, kernel XDP_DROP');
    expect(text).toContain('maps after the runs (interp, jit and aot agree):');
    expect(runText(run([], ['aot']), [])).toContain(
      'maps after the runs (aot DIFFER from interp):',
    );
  });

  it('failures name a failed AOT compile and the engines whose maps differ, not a skipped one', () => {
    const base: ObjectReport = {
      file: 'x.o',
      programs: [],
      maps: [],
      verify: [],
      compile: [],
      aot: aotOk,
      runs: [run([packet({ agree: true })], ['jit', 'aot'])],
      speed: [],
    };
    expect(failuresOf(base)).toEqual(["x.o: prog: maps of jit, aot differ from interp's"]);
    const error = { code: 'COMPILE_FAILED', insn: null, message: 'compile: boom' };
    expect(failuresOf({ ...base, runs: [], aot: { ...aotOk, ok: false, error } })).toEqual([
      'x.o: the AOT compile failed: compile: boom',
    ]);
    const skipped = { ...aotOk, ok: false, skipped: 'none accepted' };
    expect(failuresOf({ ...base, runs: [], aot: skipped })).toEqual([]);
  });

  it('finds an object’s golden files, not those of a similarly named one', () => {
    expect(goldensOf('loops').map((g) => g.program)).toEqual([
      'xdp_collatz',
      'xdp_ipv6_exthdr',
      'xdp_payload_sum',
    ]);
    expect(goldensOf('no_such_object')).toEqual([]);
    expect(setupOf('no_such_object')).toEqual({});
  });

  it('reads sample packets with their bytes and the kernel r0 (none for refused runs)', () => {
    const [g] = goldensOf('xdp_firewall');
    expect(g).toBeDefined();
    const packets = samplePackets(g!, setupOf('xdp_firewall'));
    expect(packets).toHaveLength(g!.runs.length);
    expect(packets[0]?.packetIn.length).toBe((g!.runs[0]?.packetIn.length ?? 0) / 2);
    expect(packets[0]?.kernelR0).toBe(2);
    expect(packets.some((p) => p.kernelR0 === 1)).toBe(true);
  });

  it('timeEngines gives a positive median per engine from at least 5 samples', () => {
    let a = 0;
    let b = 0;
    const progress = new Progress(() => undefined, false);
    const t = timeEngines(
      [
        { name: 'a', pass: () => void (a += 1) },
        { name: 'b', pass: () => void (b += 2) },
      ],
      4,
      5,
      progress,
    );
    expect(t.map((x) => x.name)).toEqual(['a', 'b']);
    for (const x of t) {
      expect(x.samples).toBeGreaterThanOrEqual(5);
      expect(x.passesPerSample).toBeGreaterThanOrEqual(1);
      expect(x.nsPerPacket).toBeGreaterThan(0);
    }
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });

  it('progress: plain lines off a terminal, a rewritten and erased line on one', async () => {
    let plain = '';
    const p = new Progress((t) => (plain += t), false);
    p.start('compiling x.o');
    p.tick();
    p.end();
    expect(plain).toBe('… compiling x.o\n');

    let tty = '';
    const q = new Progress((t) => (tty += t), true);
    const v = await q.during('importing', () => Promise.resolve(7));
    expect(v).toBe(7);
    expect(tty.startsWith('\r\x1b[K… importing 0.0 s')).toBe(true);
    expect(tty.endsWith('\r\x1b[K')).toBe(true);
    expect(tty).not.toContain('\n');
  });

  it('takes any number of objects, none included', () => {
    expect(parseArgs([], demoSpec).positionals).toEqual([]);
    expect(parseArgs(['a.o', 'b.o', '--json'], demoSpec).positionals).toEqual(['a.o', 'b.o']);
  });

  it('help names the objects as optional and repeatable', async () => {
    const r = await cli('demo', '--help');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Usage: ebpf-wasm demo [OBJ ...] [options]')).toBe(true);
  });
});
