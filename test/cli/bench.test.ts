// `ebpf-wasm bench` in process: the JSON shape and sane values on a raw program and an ELF
// object's XDP program, on both engines, plus the usage errors. Timings are only checked to be
// positive: absolute numbers depend on the machine.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { benchCommand, benchSpec } from '../../src/cli/bench.js';
import { processIo } from '../../src/cli/io.js';
import { cli } from './cli-util.js';
import { engineAvailable } from '../../src/conformance/engines.js';
import { BpfError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '../..');
const SUM = join(ROOT, 'corpus/asm/sum.s');
const FIREWALL = join(ROOT, 'corpus/obj/xdp_firewall.o');
const TAIL_CALLS = join(ROOT, 'corpus/obj/tail_calls.o');
const hasJit = await engineAvailable('jit');
const ENGINES = hasJit ? (['jit', 'interp'] as const) : (['interp'] as const);

/** The first packet the kernel golden file recorded for xdp_firewall, and its r0. */
const golden = JSON.parse(
  readFileSync(join(ROOT, 'corpus/golden/xdp_firewall.xdp_firewall.json'), 'utf8'),
) as { runs: { packetIn: string; r0: string }[] };
const PACKET = golden.runs[0]?.packetIn as string;
const PACKET_R0 = golden.runs[0]?.r0 as string;

/** The command itself, so a refusal is seen as the BpfError it throws (code and insn). */
function bench(...argv: string[]): Promise<number> {
  return benchCommand(parseArgs(argv, benchSpec), { ...processIo(), stdout: () => {} });
}

interface BenchJson {
  engine: string;
  nsPerRun: number;
  runs: number;
  r0: string;
  compileMs: number;
}

function parseBench(out: string): BenchJson {
  expect(out.endsWith('\n')).toBe(true);
  expect(out.trimEnd().split('\n')).toHaveLength(1);
  const json = JSON.parse(out) as BenchJson;
  expect(Object.keys(json)).toEqual(['engine', 'nsPerRun', 'runs', 'r0', 'compileMs']);
  expect(json.nsPerRun).toBeGreaterThan(0);
  expect(Number.isInteger(json.runs)).toBe(true);
  expect(json.runs).toBeGreaterThan(0);
  expect(json.compileMs).toBeGreaterThan(0);
  return json;
}

/** A user error: exit 1, nothing on stdout, one line on stderr. */
function expectOneLineError(r: { code: number; out: string; err: string }, ...parts: string[]) {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.startsWith('ebpf-wasm: ')).toBe(true);
  for (const p of parts) expect(r.err).toContain(p);
}

describe('ebpf-wasm bench', () => {
  it.each(ENGINES)('times a raw program with --mem-hex on %s', async (engine) => {
    const r = await cli(
      'bench',
      SUM,
      '--mem-hex',
      '01 02 03 04',
      '--engine',
      engine,
      '--json',
      '--min-time',
      '50',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = parseBench(r.out);
    expect(json.engine).toBe(engine);
    expect(json.r0).toBe('0xa');
  });

  it.each(ENGINES)('times an XDP program of an object on a packet on %s', async (engine) => {
    const r = await cli(
      'bench',
      FIREWALL,
      '--program',
      'xdp_firewall',
      '--packet-hex',
      PACKET,
      '--engine',
      engine,
      '--json',
      '--min-time',
      '50',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = parseBench(r.out);
    expect(json.engine).toBe(engine);
    // The kernel's verdict for this packet (XDP_PASS); the rule counters it bumps do not change it.
    expect(json.r0).toBe(PACKET_R0);
  });

  it('prints one text line, and picks the only program of an object', async () => {
    const r = await cli(
      'bench',
      FIREWALL,
      '--packet-hex',
      PACKET,
      '--engine',
      'interp',
      '--min-time',
      '20',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^interp: \d+\.\d ns\/run \(median of \d+ batches, \d{1,3}(,\d{3})* runs\), r0=0x2, compile \d+\.\d ms\n$/,
    );
  });

  it('names every engine, aot included, when refusing an unknown one', async () => {
    const r = await cli('bench', SUM, '--engine', 'fast');
    expectOneLineError(r, "--engine must be one of interp, jit, aot, not 'fast'");
  });

  it.each([
    [['--engine', 'fast'], 'USAGE'],
    [['--packet-hex', '00'], 'USAGE'],
    [['--program', 'x'], 'USAGE'],
    [['--mem-hex', '00', '--mem', SUM], 'USAGE'],
  ])('refuses %j on a raw program with %s', async (extra, code) => {
    await expect(bench(SUM, ...extra)).rejects.toMatchObject({ code, insn: undefined });
  });

  it('needs --program when the object has several, and an existing one', async () => {
    await expect(bench(TAIL_CALLS)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(bench(FIREWALL, '--program', 'nope')).rejects.toMatchObject({
      code: 'PROG_NOT_FOUND',
    });
  });

  it('surfaces a trap with its instruction before timing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-bench-'));
    try {
      const oob = join(dir, 'oob.s');
      // Outside the VM memory, so the JIT traps too (it does not check regions, only the memory).
      writeFileSync(oob, 'mov %r0, 0\nlddw %r1, 0xfffffff0\nldxw %r0, [%r1]\nexit\n');
      for (const engine of ENGINES) {
        const run = bench(oob, '--no-verify', '--engine', engine);
        await expect(run).rejects.toBeInstanceOf(BpfError);
        await expect(run).rejects.toMatchObject({ code: 'OUT_OF_BOUNDS', insn: 3 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
