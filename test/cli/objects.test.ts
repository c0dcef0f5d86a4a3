// The object commands in process: info, verify, compile and run on the corpus objects (and on
// small assembly files in a temp dir), their JSON shapes, exit codes and --no-verify.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli-util.js';
import { engineAvailable } from '../../src/conformance/engines.js';

const ROOT = join(import.meta.dirname, '../..');
const OBJ = join(ROOT, 'corpus/obj');
const GOLDEN = join(ROOT, 'corpus/golden');
const hasJit = await engineAvailable('jit');
const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-obj-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, data: string): string {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
}

const obj = (name: string): string => join(OBJ, name);

/** The input packets the kernel golden file of `object.program` recorded, in order. */
function goldenPackets(stem: string): string[] {
  const g = JSON.parse(readFileSync(join(GOLDEN, `${stem}.json`), 'utf8')) as {
    runs: { packetIn: string }[];
  };
  return g.runs.map((r) => r.packetIn);
}

function expectOneLineError(r: { code: number; out: string; err: string }, ...parts: string[]) {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.startsWith('ebpf-wasm: ')).toBe(true);
  for (const p of parts) expect(r.err).toContain(p);
}

/** Reads the ctx through a pointer it never checked: rejected, and also a trap when run. */
const BAD = 'mov %r0, 0\nldxw %r0, [%r1+8]\nexit\n';

describe('info', () => {
  it('lists programs with their helpers and maps with their definitions', async () => {
    const r = await cli('info', obj('tail_calls.o'), '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(['license', 'version', 'programs', 'maps']);
    expect(info.license).toBe('GPL');
    const programs = info.programs as { name: string; helpers: unknown }[];
    expect(programs.map((p) => p.name)).toEqual([
      'xdp_dispatch',
      'xdp_ipv4',
      'xdp_ipv6',
      'xdp_tcp',
      'xdp_chain',
      'xdp_chain_step',
    ]);
    expect(programs[0]).toEqual({
      name: 'xdp_dispatch',
      section: 'xdp',
      type: 'xdp',
      insns: 39,
      helpers: [
        { id: 1, name: 'bpf_map_lookup_elem' },
        { id: 12, name: 'bpf_tail_call' },
      ],
    });
    expect((info.maps as unknown[])[0]).toEqual({
      name: 'jmp_table',
      section: '.maps',
      type: 'prog_array',
      keySize: 4,
      valueSize: 4,
      maxEntries: 8,
      flags: 0,
      pinning: 0,
      inner: null,
    });
  });

  it('names inner maps, legacy map sections and global data', async () => {
    const mim = JSON.parse((await cli('info', obj('map_in_map.o'), '--json')).out) as {
      maps: { name: string; inner: string | null }[];
    };
    expect(mim.maps.find((m) => m.name === 'tenants')?.inner).toBe('tenants.inner');
    const legacy = JSON.parse((await cli('info', obj('legacy_maps36.o'), '--json')).out) as {
      programs: { section: string; type: string }[];
      maps: { section: string }[];
    };
    expect(legacy.programs[0]).toMatchObject({ section: 'classifier', type: 'sched_cls' });
    expect(legacy.maps.every((m) => m.section === 'maps')).toBe(true);
    const text = await cli('info', obj('xdp_firewall.o'));
    expect(text.out).toMatch(/^ {2}xdp_firewall +xdp +xdp +212 +bpf_map_lookup_elem\(1\)$/m);
    expect(text.out).toMatch(/^ {2}deny_v4 +lpm_trie +8 +4 +64 +0x1 +0 +- +\.maps$/m);
    expect(text.out).toMatch(/^ {2}\.rodata +array +4 +20 +1 +0x80 +0 +- +\.rodata$/m);
  });

  it('refuses a file that is not an object, and an unknown --type', async () => {
    expectOneLineError(await cli('info', file('x.s', BAD)), 'not an ELF object');
    expectOneLineError(await cli('info', obj('tail_calls.o'), '--type', 'frob'), "--type 'frob'");
  });
});

describe('verify', () => {
  it('accepts every program of the corpus objects', async () => {
    for (const name of ['xdp_firewall.o', 'counter_hash.o', 'tail_calls.o', 'loops-v4.o']) {
      const r = await cli('verify', obj(name));
      expect(r.code, name).toBe(0);
      expect(r.out, name).toMatch(/^(accept \S+ \(\d+ insns processed\)\n)+$/);
    }
  });

  it('prints exactly the JSON shape, one entry per program', async () => {
    const r = await cli('verify', obj('tail_calls.o'), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { programs: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(['programs']);
    expect(json.programs).toHaveLength(6);
    expect(json.programs[4]).toEqual({
      name: 'xdp_chain',
      section: 'xdp',
      type: 'xdp',
      verdict: 'accept',
      insnsProcessed: 5,
      error: null,
    });
  });

  it('rejects a bad program with exit 1, its code and instruction, and the report', async () => {
    const bad = file('bad.s', BAD);
    const json = await cli('verify', bad, '--json');
    expect(json.code).toBe(1);
    const [entry] = (JSON.parse(json.out) as { programs: Record<string, unknown>[] }).programs;
    expect(entry).toMatchObject({
      name: 'bad.s',
      section: '',
      type: 'unspec',
      verdict: 'reject',
      error: { code: 'VERIFY_OUT_OF_BOUNDS', insn: 1 },
    });
    const text = await cli('verify', bad);
    expect(text.code).toBe(1);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toBe('reject bad.s (2 insns processed)');
    expect(lines[1]).toMatch(/^verify: .* at insn 1$/);
    expect(lines[2]).toMatch(/^1: .*ldxw %r0, \[%r1\+8\]$/);
    expect(lines[3]).toMatch(/^state: .*R1=mem\(sz=0\)/);
    // With the memory the program will run on, it is safe.
    expect(await cli('verify', bad, '--mem-size', '12')).toMatchObject({
      code: 0,
      out: 'accept bad.s (3 insns processed)\n',
    });
  });

  it('goes on past a rejected program and names the C line', async () => {
    // tc_sample does pointer arithmetic an xdp program may not do; xdp_sample is fine.
    const r = await cli('verify', obj('perf_output.o'), '--type', 'xdp', '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { programs: { verdict: string; error: unknown }[] };
    expect(json.programs.map((p) => p.verdict)).toEqual(['reject', 'accept']);
    expect(json.programs[0]?.error).toMatchObject({ code: 'VERIFY_PTR_ARITH', insn: 11 });
    const text = await cli('verify', obj('counter_hash.o'), '--type', 'xdp');
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^verify: .* at insn 0 \(line 55\)$/m);
    expect(text.out).toMatch(/^; .* @ .*counter_hash\.c:55$/m);
  });

  it('prints the whole walk with --log', async () => {
    const r = await cli('verify', obj('tail_calls.o'), '--program', 'xdp_chain', '--log');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^0: .*lddw %r2/);
    expect(lines.at(-2)).toBe('processed 5 insns');
    expect(lines.at(-1)).toBe('accept xdp_chain (5 insns processed)');
  });

  it('fails in one line on a program the object does not have', async () => {
    const r = await cli('verify', obj('tail_calls.o'), '--program', 'nope');
    expectOneLineError(r, "no program 'nope'");
    expectOneLineError(await cli('verify', file('b2.s', BAD), '--program', 'x'), '--program');
  });
});

describe.runIf(hasJit)('compile', () => {
  it('compiles every program and prints exactly the JSON shape', async () => {
    const r = await cli('compile', obj('tail_calls.o'), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { programs: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(['programs']);
    expect(json.programs.map((p) => p.ok)).toEqual([true, true, true, true, true, true]);
    expect(json.programs[0]).toEqual({
      name: 'xdp_dispatch',
      section: 'xdp',
      type: 'xdp',
      insns: 39,
      ok: true,
      error: null,
    });
  });

  it('writes the AOT module of the object with -o', async () => {
    const out = join(tmp, 'fw.wasm');
    const r = await cli('compile', obj('xdp_firewall.o'), '-o', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok xdp_firewall \(xdp\): 212 insns -> \d+ bytes of wasm/);
    expect(r.out).toMatch(/^wrote .*fw\.wasm \(1 program, \d+ bytes, manifest: 6 maps, /m);
    const module = new WebAssembly.Module(readFileSync(out));
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('run_xdp_firewall');
    expect(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`)).toEqual([
      'env.memory',
      'env.helper',
    ]);
  });

  it('writes every program of an object, or the one --program names', async () => {
    const all = join(tmp, 'all.wasm');
    const r = await cli('compile', obj('tail_calls.o'), '-o', all);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*all\.wasm \(6 programs, /m);
    const one = join(tmp, 'chain.wasm');
    const named = await cli('compile', obj('tail_calls.o'), '--program', 'xdp_chain', '-o', one);
    expect(named.code).toBe(0);
    expect(readFileSync(one).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(named.out).toMatch(/^wrote .*chain\.wasm \(1 program, /m);
  });

  it('goes on past a program that fails, with its code and instruction', async () => {
    const r = await cli('compile', obj('perf_output.o'), '--type', 'xdp', '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { programs: { ok: boolean; error: unknown }[] };
    expect(json.programs.map((p) => p.ok)).toEqual([false, true]);
    expect(json.programs[0]?.error).toMatchObject({ code: 'VERIFY_PTR_ARITH', insn: 11 });
  });

  it('compiles an assembly file, verified unless --no-verify', async () => {
    const bad = file('cbad.s', BAD);
    const r = await cli('compile', bad, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      programs: [
        {
          name: 'cbad.s',
          section: '',
          type: 'unspec',
          insns: 3,
          ok: false,
          error: {
            code: 'VERIFY_OUT_OF_BOUNDS',
            insn: 1,
            message: expect.any(String) as unknown,
          },
        },
      ],
    });
    const out = join(tmp, 'bad.wasm');
    expect((await cli('compile', bad, '--no-verify', '-o', out)).code).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(8);
  });
});

describe('run on an object', () => {
  const packets = goldenPackets('counter_hash.tc_count_src');
  const p1 = packets[0] as string;
  const p2 = packets[1] as string;

  it('runs once per --packet-hex, in order, with map state carried over', async () => {
    const args = ['run', obj('counter_hash.o'), '--program', 'tc_count_src'];
    const r = await cli(...args, '--packet-hex', p1, '--packet-hex', p2, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json).toEqual({
      runs: [
        { r0: '0x0', packet: p1 },
        { r0: '0x0', packet: p2 },
      ],
      maps: {
        ignored: [],
        // Source 192.168.1.10: two packets, 54 + 72 bytes.
        src4_stats: [{ key: 'c0a8010a', value: '02000000000000007e00000000000000' }],
        src6_stats: [],
      },
    });
    const text = await cli(...args, '--packet-hex', p1, '--packet-hex', p2);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`run 1: r0=0x0 (TC_ACT_OK) packet=${p1}`);
    expect(lines[1]).toBe(`run 2: r0=0x0 (TC_ACT_OK) packet=${p2}`);
    expect(lines).toContain('map src4_stats (hash, 1 entry):');
    expect(lines).toContain('  key c0a8010a value 02000000000000007e00000000000000');
  });

  it('gives per-CPU maps one value per CPU, and names XDP actions', async () => {
    const [a, b] = goldenPackets('counter_percpu.xdp_percpu_stats');
    const r = await cli(
      'run',
      obj('counter_percpu.o'),
      '--program',
      'xdp_percpu_stats',
      '--packet-hex',
      a as string,
      '--packet-hex',
      b as string,
      '--json',
    );
    const json = JSON.parse(r.out) as { maps: Record<string, { key: string; values: string[] }[]> };
    expect(json.maps.rx_stats?.[0]).toEqual({ key: '00000000', values: ['0200000000000000'] });
    const text = await cli(
      'run',
      obj('xdp_firewall.o'),
      '--program',
      'xdp_firewall',
      '--packet-hex',
      goldenPackets('xdp_firewall.xdp_firewall')[0] as string,
    );
    expect(text.out).toMatch(/^run 1: r0=0x2 \(XDP_PASS\) packet=[0-9a-f]+$/m);
  });

  it('shows queues in pop order without consuming them, and inner maps by name', async () => {
    const [a, b] = goldenPackets('queue_stack.xdp_remember');
    const args = ['run', obj('queue_stack.o'), '--program', 'xdp_remember', '--json'];
    const r = await cli(...args, '--packet-hex', a as string, '--packet-hex', b as string);
    const maps = (JSON.parse(r.out) as { maps: Record<string, { value: string }[]> }).maps;
    expect(maps.recent_q?.map((e) => e.value)).toEqual(['0100000a', '0200000a']);
    expect(maps.recent_s?.map((e) => e.value)).toEqual(['0200000a', '0100000a']);
    const mim = await cli(
      'run',
      obj('map_in_map.o'),
      '--program',
      'xdp_tenant_count',
      '--packet-hex',
      goldenPackets('map_in_map.xdp_tenant_count')[0] as string,
      '--json',
    );
    const inner = (JSON.parse(mim.out) as { maps: Record<string, unknown[]> }).maps.tenants;
    expect(inner).toEqual([
      { key: '00000000', inner: 'tenant_a' },
      { key: '01000000', inner: 'tenant_b' },
    ]);
  });

  it.runIf(hasJit)('gives the same output on the JIT', async () => {
    const args = ['run', obj('counter_hash.o'), '--program', 'tc_count_src', '--json'];
    const interp = await cli(...args, '--packet-hex', p1, '--packet-hex', p2);
    const jit = await cli(...args, '--packet-hex', p1, '--packet-hex', p2, '--engine', 'jit');
    expect(jit).toEqual(interp);
  });

  it('verifies first, and runs an unverifiable program with --no-verify', async () => {
    const args = ['run', obj('perf_output.o'), '--program', 'tc_sample', '--type', 'xdp'];
    expectOneLineError(await cli(...args, '--packet-hex', p1), 'verify: ', 'at insn 11');
    const r = await cli(...args, '--packet-hex', p1, '--no-verify', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { runs: unknown[] }).runs).toHaveLength(1);
  });

  it.each([
    [['--packet-hex', 'zz'], '--packet-hex #1'],
    [['--mem-hex', '00'], '--mem-hex is for raw programs'],
    [['--type', 'nope'], "--type 'nope'"],
  ])('%j fails in one line', async (extra, text) => {
    const r = await cli('run', obj('counter_hash.o'), '--program', 'tc_count_src', ...extra);
    expectOneLineError(r, text);
  });

  it('needs --program for an object, and refuses object options for raw programs', async () => {
    expectOneLineError(await cli('run', obj('counter_hash.o')), '--program');
    const raw = file('r.s', 'mov %r0, 1\nexit\n');
    expectOneLineError(await cli('run', raw, '--packet-hex', '00'), '--packet-hex is for ELF');
  });
});
