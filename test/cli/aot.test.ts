// AOT modules through the CLI, in process: `compile -o` writes one .wasm (objects and single
// programs alike), `run`/`bench`/`info` read it, and `--engine aot` compiles in process. Outputs
// are compared with the JIT's (`run --json`: r0, packets and maps) and with the kernel's golden
// r0 where the runs are the recorded ones.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { infoCommand, infoSpec } from '../../src/cli/info.js';
import { processIo } from '../../src/cli/io.js';
import { runCommand, runSpec } from '../../src/cli/run.js';
import { engineAvailable } from '../../src/conformance/engines.js';
import { cli, type CliOutcome } from './cli-util.js';

const ROOT = join(import.meta.dirname, '../..');
const obj = (name: string): string => join(ROOT, 'corpus/obj', name);
const SUM = join(ROOT, 'corpus/asm/sum.s');
const hasJit = await engineAvailable('jit');
const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-aot-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const out = (name: string): string => join(tmp, name);

interface GoldenRun {
  readonly packetIn: string;
  readonly r0: string;
}

function golden(stem: string): readonly GoldenRun[] {
  const g = JSON.parse(readFileSync(join(ROOT, 'corpus/golden', `${stem}.json`), 'utf8')) as {
    runs: GoldenRun[];
  };
  return g.runs;
}

/** `--packet-hex P` for each packet, in order. */
function packetArgs(runs: readonly GoldenRun[]): string[] {
  return runs.flatMap((r) => ['--packet-hex', r.packetIn]);
}

function ok(r: CliOutcome): CliOutcome {
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return r;
}

function expectOneLineError(r: CliOutcome, ...parts: string[]): void {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.startsWith('ebpf-wasm: ')).toBe(true);
  for (const p of parts) expect(r.err).toContain(p);
}

interface RunJson {
  runs: { r0: string; packet: string }[];
  maps: Record<string, unknown[]>;
}

/** A command itself, so its BpfError is seen with its code. */
async function command(
  spec: typeof runSpec,
  exec: typeof runCommand,
  ...argv: string[]
): Promise<number> {
  return exec(parseArgs(argv, spec), { ...processIo(), stdout: () => {} });
}

describe.runIf(hasJit)('compile -o writes an AOT module', () => {
  const fw = out('fw.wasm');

  it('of an object, with its manifest and text form on request', async () => {
    const manifest = out('fw.json');
    const wat = out('fw.wat');
    const args = ['compile', obj('xdp_firewall.o'), '-o', fw, '--manifest', manifest];
    const r = ok(await cli(...args, '--wat', wat));
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ok xdp_firewall \(xdp\): 212 insns -> \d+ bytes of wasm/);
    const size = readFileSync(fw).length;
    expect(lines[1]).toMatch(
      new RegExp(
        `^wrote .*fw\\.wasm \\(1 program, ${size} bytes, manifest: 6 maps, \\d+ bytes in section ebpf-wasm\\.manifest\\)$`,
      ),
    );
    expect(lines.slice(2)).toEqual([`wrote ${manifest} (manifest)`, `wrote ${wat} (text form)`]);
    const written = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ format: 1, source: 'xdp_firewall.o', license: 'GPL' });
    // The file is the manifest the module carries.
    expect(JSON.parse(ok(await cli('info', fw, '--json')).out)).toEqual(written);
    expect(readFileSync(wat, 'utf8')).toMatch(/^\(module/);
  });

  it('runs on the module exactly as on the JIT, golden packets and maps included', async () => {
    // The kernel's runs had rules loaded first (xdp_firewall.setup.json); without them both
    // engines see an empty rule set, so they are compared with each other, not the golden r0.
    const runs = golden('xdp_firewall.xdp_firewall');
    expect(runs.length).toBeGreaterThan(3);
    const named = ['--program', 'xdp_firewall', ...packetArgs(runs)];
    const aot = ok(await cli('run', fw, ...named, '--json'));
    const jit = ok(await cli('run', obj('xdp_firewall.o'), ...named, '--engine', 'jit', '--json'));
    expect(aot.out).toBe(jit.out);
    const json = JSON.parse(aot.out) as RunJson;
    expect(json.runs).toHaveLength(runs.length);
    expect(new Set(json.runs.map((r) => r.r0)).size).toBeGreaterThan(1);
    expect(Object.keys(json.maps)).toContain('.rodata');
    // The text form too; --program may be left out: the module has one program.
    const text = ok(await cli('run', fw, ...packetArgs(runs)));
    const jitText = await cli('run', obj('xdp_firewall.o'), ...named, '--engine', 'jit');
    expect(text.out).toBe(jitText.out);
    expect(text.out).toMatch(/^run 1: r0=0x\d \(XDP_\w+\) packet=[0-9a-f]+$/m);
  });

  it('of every program of an object, or the one --program names', async () => {
    const all = out('tail_calls.wasm');
    expect(ok(await cli('compile', obj('tail_calls.o'), '-o', all)).out).toMatch(
      /^wrote .*tail_calls\.wasm \(6 programs, /m,
    );
    const info = JSON.parse(ok(await cli('info', all, '--json')).out) as {
      programs: { name: string; export: string; verified: boolean }[];
      programCount: number;
    };
    expect(info.programs.map((p) => p.name)).toEqual([
      'xdp_dispatch',
      'xdp_ipv4',
      'xdp_ipv6',
      'xdp_tcp',
      'xdp_chain',
      'xdp_chain_step',
    ]);
    expect(info.programs.every((p) => p.verified)).toBe(true);
    const one = out('chain.wasm');
    const named = ok(
      await cli('compile', obj('tail_calls.o'), '--program', 'xdp_chain', '-o', one),
    );
    expect(named.out).toMatch(/^wrote .*chain\.wasm \(1 program, /m);
    const chain = JSON.parse(ok(await cli('info', one, '--json')).out) as typeof info;
    expect(chain.programs.map((p) => p.export)).toEqual(['run_xdp_chain']);
    expect(chain.programCount).toBe(6);
    // A module of several programs needs --program to run one.
    expectOneLineError(
      await cli('run', all, '--packet-hex', '00'),
      'tail_calls.wasm has 6 programs',
      '--program',
    );
  });

  it('writes nothing and exits 1 when a program is rejected, unless --no-verify', async () => {
    const target = out('perf.wasm');
    const args = ['compile', obj('perf_output.o'), '--type', 'xdp', '-o', target];
    const text = await cli(...args);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^FAIL tc_sample: verify: .* at insn 11/m);
    expect(text.out).toMatch(/^not writing .*perf\.wasm: 1 of 2 programs failed$/m);
    expect(existsSync(target)).toBe(false);
    const json = await cli(...args, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      programs: [{ name: 'tc_sample', ok: false }, { ok: true }],
      module: { file: target, written: false, programs: null, bytes: null, error: null },
    });
    expect(existsSync(target)).toBe(false);
    // Without verification it compiles, and the manifest says so.
    ok(await cli(...args, '--no-verify'));
    const info = ok(await cli('info', target));
    expect(info.out).toMatch(/^ {2}tc_sample +tc +xdp +\d+ +run_tc_sample +no +/m);
  });

  it('asks for -o before --manifest or --wat', async () => {
    expectOneLineError(
      await cli('compile', obj('xdp_firewall.o'), '--manifest', out('m.json')),
      '--manifest needs -o',
    );
  });
});

describe.runIf(hasJit)('run --engine aot on an ELF object', () => {
  it('equals the JIT on a tail-call object, and the kernel with the same slots', async () => {
    const runs = golden('tail_calls.xdp_dispatch');
    // corpus/src/tail_calls.setup.json: the slots the kernel's runs had.
    const slots = ['jmp_table:0=xdp_ipv4', 'jmp_table:1=xdp_ipv6', 'jmp_table:2=xdp_tcp'];
    const args = [
      'run',
      obj('tail_calls.o'),
      '--program',
      'xdp_dispatch',
      ...slots.flatMap((s) => ['--tail-call', s]),
      ...packetArgs(runs),
    ];
    const aot = ok(await cli(...args, '--engine', 'aot', '--json'));
    expect(aot.out).toBe(ok(await cli(...args, '--engine', 'jit', '--json')).out);
    const json = JSON.parse(aot.out) as RunJson;
    expect(json.runs.map((r) => r.r0)).toEqual(runs.map((r) => r.r0));
    expect(json.maps.jmp_table).toHaveLength(3);
    const text = ok(await cli(...args, '--engine', 'aot'));
    expect(text.out).toMatch(/^run 1: r0=0x3 \(XDP_TX\) \(2 tail calls, ended in xdp_tcp\) /m);
    expect(text.out).toBe(ok(await cli(...args, '--engine', 'jit')).out);
  });

  it('equals the JIT on a ring buffer object, events included', async () => {
    const runs = golden('ringbuf_events.xdp_conn_events');
    const args = ['run', obj('ringbuf_events.o'), '--program', 'xdp_conn_events'];
    const aot = ok(await cli(...args, ...packetArgs(runs), '--engine', 'aot'));
    expect(aot.out).toMatch(/^ {2}event \w+: [0-9a-f]+$/m);
    expect(aot.out).toBe(ok(await cli(...args, ...packetArgs(runs), '--engine', 'jit')).out);
    const json = ok(await cli(...args, ...packetArgs(runs), '--engine', 'aot', '--json'));
    expect(json.out).toBe(
      ok(await cli(...args, ...packetArgs(runs), '--engine', 'jit', '--json')).out,
    );
  });

  it('refuses the program the verifier rejects, and runs the others of the object', async () => {
    const [p] = golden('counter_hash.tc_count_src');
    const args = ['run', obj('perf_output.o'), '--type', 'xdp', '--engine', 'aot'];
    const packet = ['--packet-hex', p?.packetIn as string];
    expectOneLineError(await cli(...args, '--program', 'tc_sample', ...packet), 'at insn 11');
    const good = ok(await cli(...args, '--program', 'xdp_sample', ...packet, '--json'));
    const jit = ['run', obj('perf_output.o'), '--type', 'xdp', '--engine', 'jit'];
    expect(good.out).toBe(
      ok(await cli(...jit, '--program', 'xdp_sample', ...packet, '--json')).out,
    );
  });
});

describe.runIf(hasJit)('single programs as AOT modules', () => {
  const sum = out('sum.wasm');
  const MEM = '01 02 03 04 05';

  it('compile writes a one-program module that runs as `run` does', async () => {
    expect(ok(await cli('compile', SUM, '-o', sum)).out).toMatch(
      /^ok sum\.s \(unspec\): 8 insns .*\nwrote .*sum\.wasm \(1 program, \d+ bytes, manifest: 0 maps, /,
    );
    const plain = ok(await cli('run', SUM, '--mem-hex', MEM));
    expect(plain.out).toBe('0xf\n');
    const module = ok(await cli('run', sum, '--mem-hex', MEM));
    expect(module.out).toBe('run 1: r0=0xf mem=0102030405\n');
    const json = JSON.parse(ok(await cli('run', sum, '--mem-hex', MEM, '--json')).out) as RunJson;
    expect(json).toEqual({ runs: [{ r0: '0xf', packet: '0102030405' }], maps: {} });
    // --mem reads the input from a file.
    const memFile = out('sum.mem');
    writeFileSync(memFile, Uint8Array.of(7, 8, 9));
    expect(ok(await cli('run', sum, '--mem', memFile)).out).toBe('run 1: r0=0x18 mem=070809\n');
    // --budget bounds each run, as for raw programs.
    expectOneLineError(await cli('run', sum, '--mem-hex', MEM, '--budget', '6'), 'budget');
  });

  it('run --engine aot prints what the other engines print', async () => {
    const aot = JSON.parse(
      ok(await cli('run', SUM, '--mem-hex', MEM, '--engine', 'aot', '--json')).out,
    ) as Record<string, unknown>;
    const jit = JSON.parse(
      ok(await cli('run', SUM, '--mem-hex', MEM, '--engine', 'jit', '--json')).out,
    ) as Record<string, unknown>;
    expect(aot).toEqual({ ...jit, engine: 'aot', executed: -1 });
    expect(ok(await cli('run', SUM, '--mem-hex', MEM, '--engine', 'aot')).out).toBe('0xf\n');
  });

  it('refuses a .data program that calls a conformance test helper, writing nothing', async () => {
    const data = join(tmp, 'helper.data');
    writeFileSync(data, '-- asm\nmov %r1, 1\ncall 5\nmov %r0, 3\nexit\n-- result\n0x3\n');
    expect(ok(await cli('run', data)).out).toBe('0x3\n');
    const target = out('helper.wasm');
    const r = await cli('compile', data, '-o', target, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      programs: [{ ok: true }],
      module: { written: false, error: { code: 'UNKNOWN_HELPER', insn: 1 } },
    });
    expect(existsSync(target)).toBe(false);
    expectOneLineError(await cli('run', data, '--engine', 'aot'), 'conformance', 'insn 1');
  });
});

describe.runIf(hasJit)('bench --engine aot', () => {
  const [first] = golden('xdp_firewall.xdp_firewall');
  const PACKET = first?.packetIn as string;

  function benchJson(r: CliOutcome): Record<string, unknown> {
    ok(r);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['engine', 'nsPerRun', 'runs', 'r0', 'compileMs']);
    expect(json.engine).toBe('aot');
    expect(json.nsPerRun).toBeGreaterThan(0);
    expect(json.compileMs).toBeGreaterThan(0);
    return json;
  }

  it('times an object compiled in process, a .wasm, and a single program', async () => {
    const fast = ['--min-time', '20', '--json'];
    const elf = await cli(
      'bench',
      obj('xdp_firewall.o'),
      '--packet-hex',
      PACKET,
      '--engine',
      'aot',
      ...fast,
    );
    expect(benchJson(elf).r0).toBe(first?.r0);
    const module = out('bench-fw.wasm');
    ok(await cli('compile', obj('xdp_firewall.o'), '-o', module));
    expect(benchJson(await cli('bench', module, '--packet-hex', PACKET, ...fast)).r0).toBe(
      first?.r0,
    );
    const raw = await cli('bench', SUM, '--mem-hex', '01 02 03', '--engine', 'aot', ...fast);
    expect(benchJson(raw).r0).toBe('0x6');
    const text = ok(await cli('bench', module, '--packet-hex', PACKET, '--min-time', '20'));
    expect(text.out).toMatch(
      /^aot: \d+\.\d ns\/run \(median of \d+ batches, [\d,]+ runs\), r0=0x2, /,
    );
    expectOneLineError(
      await cli('bench', module, '--engine', 'jit'),
      'is an AOT module: it runs on engine aot',
    );
  });
});

describe('modules that are not AOT modules', () => {
  // A valid WebAssembly module with no manifest section.
  const bare = join(tmp, 'bare.wasm');
  writeFileSync(bare, Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));

  it('give AOT_BAD_MODULE in one line on run, info and bench', async () => {
    for (const argv of [
      ['run', bare],
      ['info', bare],
      ['bench', bare],
    ]) {
      expectOneLineError(await cli(...argv), 'bare.wasm: not an ebpf-wasm AOT module');
    }
    await expect(command(runSpec, runCommand, bare)).rejects.toMatchObject({
      code: 'AOT_BAD_MODULE',
    });
    await expect(command(infoSpec, infoCommand, bare, '--json')).rejects.toMatchObject({
      code: 'AOT_BAD_MODULE',
    });
  });

  it('an invalid module says so', async () => {
    const broken = join(tmp, 'broken.wasm');
    writeFileSync(broken, Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x99));
    expectOneLineError(await cli('info', broken), 'broken.wasm: not a valid WebAssembly module');
  });

  it('refuses options that only objects and programs take', async () => {
    expectOneLineError(await cli('run', bare, '--engine', 'jit'), 'runs on engine aot');
    expectOneLineError(await cli('run', bare, '--type', 'xdp'), '--type is for ELF objects');
    expectOneLineError(await cli('info', bare, '--type', 'xdp'), '--type is for ELF objects');
  });
});

describe.runIf(hasJit)('info on a module', () => {
  it('prints the manifest for people', async () => {
    const module = out('counter.wasm');
    ok(await cli('compile', obj('counter_hash.o'), '-o', module));
    const r = ok(await cli('info', module));
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^AOT module counter\.wasm: \d+ bytes, manifest format 1$/);
    expect(lines).toContain('source: counter_hash.o');
    expect(r.out).toMatch(/^generator: ebpf-wasm \d+\.\d+\.\d+$/m);
    expect(r.out).toMatch(/^memory: \d+ pages \(\d+ KiB\), maps at 0x[0-9a-f]+\.\.0x[0-9a-f]+$/m);
    expect(r.out).toMatch(/^data capacity: 65536 bytes/m);
    expect(r.out).toMatch(
      /^ {2}tc_count_src +\S+ +sched_cls +\d+ +run_tc_count_src +yes +.*bpf_map_lookup_elem\(1\)\[wasm\]/m,
    );
    expect(r.out).toMatch(/^ {2}src4_stats +hash +4 +16 +\d+ +0x0 +0 +0x[0-9a-f]+$/m);
  });
});
