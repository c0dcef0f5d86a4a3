// The CLI in process: every command with captured stdout/stderr and real files in a temp dir.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli-util.js';
import { parsePluginArgs, pluginMain } from '../../src/cli/plugin.js';
import { engineAvailable } from '../../src/conformance/engines.js';

const ROOT = join(import.meta.dirname, '../..');
const CORPUS = join(ROOT, 'corpus/asm');
const SUITE = join(ROOT, '../shared/conformance/tests');
const hasJit = await engineAvailable('jit');
const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, data: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
}

/** A user error: exit 1, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectOneLineError(
  r: { code: number; out: string; err: string },
  ...parts: string[]
): void {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err.startsWith('ebpf-wasm: ')).toBe(true);
  expect(r.err).not.toMatch(/\bat .*\.(ts|js):\d+/);
  for (const p of parts) expect(r.err).toContain(p);
}

describe('ebpf-wasm', () => {
  it('prints help for the tool and each command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of ['run', 'info', 'verify', 'compile', 'asm', 'disasm', 'conformance'])
      expect(top.out).toContain(`  ${c}`);
    for (const c of ['run', 'info', 'verify', 'compile', 'asm', 'disasm', 'conformance']) {
      const r = await cli(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out.startsWith(`Usage: ebpf-wasm ${c} `), c).toBe(true);
      expect((await cli('help', c)).out).toBe(r.out);
    }
  });

  it('prints the version', async () => {
    const r = await cli('--version');
    expect(r.out).toMatch(/^ebpf-wasm \d+\.\d+\.\d+\n$/);
  });

  it('without a command, prints help on stderr and exits 1', async () => {
    const r = await cli();
    expect(r.code).toBe(1);
    expect(r.err).toContain('Usage:');
  });

  it.each([
    [['frob'], "unknown command 'frob'"],
    [['--frob'], "unknown option '--frob'"],
    [['run', 'x.s', '--frob'], "run: unknown option '--frob'"],
    [['run', 'x.s', '--engine', 'fast'], '--engine must be one of interp, jit'],
    [['run'], 'run: missing FILE'],
    [['run', 'x.s', '--budget', 'lots'], '--budget needs a non-negative integer'],
  ])('%j is a one-line usage error', async (argv, text) => {
    expectOneLineError(await cli(...argv), text);
  });
});

describe('run', () => {
  it.each([
    ['sum.s', ['--mem-hex', '01 02 03 04'], '0xa'],
    ['fib.s', [], '0x37'],
    ['fib.s', ['--mem-hex', '5a'], '0x27f80ddaa1ba7878'],
    [
      'checksum.s',
      ['--mem-hex', '45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7'],
      '0xb861',
    ],
    ['calls.s', [], '0x19'],
    ['filter.s', ['--mem-hex', readFileSync(join(CORPUS, 'filter.mem'), 'utf8')], '0x1'],
    ['filter.s', ['--mem-hex', '00 11 22'], '0x0'],
  ])('runs corpus/asm/%s %j', async (name, extra, r0) => {
    const r = await cli('run', join(CORPUS, name), ...extra);
    expect(r).toEqual({ code: 0, out: `${r0}\n`, err: '' });
  });

  it('reads input memory from a file with --mem', async () => {
    const hex = readFileSync(join(CORPUS, 'filter.mem'), 'utf8').replace(/\s+/g, '');
    const frame = file('frame.bin', Buffer.from(hex, 'hex'));
    const r = await cli('run', join(CORPUS, 'filter.s'), '--mem', frame);
    expect(r).toEqual({ code: 0, out: '0x1\n', err: '' });
  });

  it('prints JSON with r0, r0Signed, executed, engine and the input after the run', async () => {
    const src = file('neg.s', 'stb [%r1], 7\nmov %r0, -1\nexit\n');
    const r = await cli('run', src, '--mem-hex', 'aa bb', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      r0: '0xffffffffffffffff',
      r0Signed: '-1',
      executed: 3,
      engine: 'interp',
      output: '07bb',
    });
  });

  it('traces each executed instruction to stderr with the registers it changed', async () => {
    const r = await cli('run', join(CORPUS, 'sum.s'), '--mem-hex', '05 06', '--trace');
    expect(r.out).toBe('0xb\n');
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}0: mov %r0, 0$/);
    expect(lines[2]).toMatch(/^ {3}2: ldxb %r3, \[%r1\] +r3=0x5$/);
    expect(lines[lines.length - 1]).toMatch(/^ {3}7: exit$/);
    expect(lines).toHaveLength(13);
  });

  it('shows the call depth in a trace', async () => {
    const r = await cli('run', join(CORPUS, 'calls.s'), '--trace');
    expect(r.err).toMatch(/^ {3}9: \[1\] stxdw \[%r10-8\], %r1$/m);
  });

  it('reads raw bytecode, hex words and .data files', async () => {
    const asm = await cli('asm', join(CORPUS, 'sum.s'));
    const words = file('sum.txt', asm.out);
    expect((await cli('run', words, '--mem-hex', '0102')).out).toBe('0x3\n');
    const bin = join(tmp, 'sum.bin');
    expect((await cli('asm', join(CORPUS, 'sum.s'), '-o', bin)).code).toBe(0);
    expect((await cli('run', bin, '--mem-hex', '0102')).out).toBe('0x3\n');
    // Any other name: binary content is bytecode.
    const noext = file('sum', readFileSync(bin));
    expect((await cli('run', noext, '--mem-hex', '0102')).out).toBe('0x3\n');
    const data = file(
      't.data',
      '-- asm\nldxh %r0, [%r1]\nexit\n-- mem\n34 12\n-- result\n0x1234\n',
    );
    expect((await cli('run', data)).out).toBe('0x1234\n');
    expect((await cli('run', data, '--mem-hex', '01 00')).out).toBe('0x1\n');
  });

  it('bounds a run with --budget', async () => {
    const loop = file('loop.s', 'l: ja l\nexit\n');
    expectOneLineError(await cli('run', loop, '--budget', '100', '--no-verify'), 'run: ');
    // Verified, the same program never runs (its exit is unreachable).
    expectOneLineError(await cli('run', loop), 'verify: ', 'at insn 1');
  });

  it('verifies before running; a trap of an unverified run is one line with the index', async () => {
    const src = file('oob.s', 'mov %r0, 0\nldxw %r0, [%r1+64]\nexit\n');
    expectOneLineError(await cli('run', src, '--mem-hex', '00'), 'verify: ', 'at insn 1');
    const r = await cli('run', src, '--mem-hex', '00', '--no-verify');
    expectOneLineError(r, 'run: ', 'at insn 1');
  });

  it('reports assembly errors with the line', async () => {
    const src = file('bad.s', 'mov %r0, 1\nfrob %r0\nexit\n');
    expectOneLineError(await cli('run', src), 'asm: ', 'line 2');
    const data = file('bad.data', '# header\n-- asm\nmov %r0, 1\nfrob %r0\nexit\n-- result\n0x0\n');
    expectOneLineError(await cli('run', data), 'asm: ', 'line 4');
  });

  it('reports bad bytecode with the instruction index', async () => {
    const bin = file(
      'bad.bin',
      Uint8Array.of(0xb7, 0, 0, 0, 1, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0),
    );
    expectOneLineError(await cli('run', bin), 'decode: ', 'at insn 1');
  });

  it('refuses ELF objects where a command takes one program', async () => {
    const elf = file('prog.o', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0));
    expectOneLineError(await cli('disasm', elf), 'ELF');
    expectOneLineError(await cli('run', elf), '--program');
  });

  it.each([
    [['run', '/nonexistent/x.s'], 'cannot read /nonexistent/x.s'],
    [['run', 'x.s', '--mem-hex', 'zz'], '--mem-hex'],
    [['run', 'x.s', '--mem', 'a', '--mem-hex', '00'], 'not both'],
    [['run', 'x.s', '--trace', '--engine', 'jit'], '--trace needs --engine interp'],
  ])('%j fails in one line', async (argv, text) => {
    const args = argv.map((a) => (a === 'x.s' ? join(CORPUS, 'sum.s') : a));
    expectOneLineError(await cli(...args), text);
  });

  it.runIf(hasJit)('runs the corpus in the JIT with the same r0', async () => {
    for (const [name, mem] of [
      ['sum.s', '01 02 03 04'],
      ['fib.s', '5a'],
      ['calls.s', ''],
    ] as const) {
      const a = await cli('run', join(CORPUS, name), '--mem-hex', mem);
      const b = await cli('run', join(CORPUS, name), '--mem-hex', mem, '--engine', 'jit');
      expect(b, name).toEqual(a);
    }
  });
});

describe('asm and disasm', () => {
  it('assembles to hex words, or bytecode with -o', async () => {
    const r = await cli('asm', join(CORPUS, 'sum.s'));
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('0x00000000000000b7');
    expect(r.out.trimEnd().split('\n')).toHaveLength(8);
    const out = join(tmp, 'o.bin');
    await cli('asm', join(CORPUS, 'sum.s'), '-o', out);
    expect(readFileSync(out).length).toBe(64);
  });

  it('disassembles what it assembled, back to the same bytecode', async () => {
    for (const name of ['sum.s', 'fib.s', 'checksum.s', 'calls.s', 'filter.s']) {
      const bin = join(tmp, `${name}.bin`);
      await cli('asm', join(CORPUS, name), '-o', bin);
      const text = await cli('disasm', bin);
      expect(text.code, name).toBe(0);
      const again = join(tmp, `${name}.again.bin`);
      await cli('asm', file(`${name}.again.s`, text.out), '-o', again);
      expect(readFileSync(again), name).toEqual(readFileSync(bin));
    }
  });

  it('prefixes slot indexes with --pcs and names targets with --labels', async () => {
    const r = await cli('disasm', join(CORPUS, 'sum.s'), '--pcs', '--labels');
    expect(r.out).toMatch(/^0: mov %r0, 0$/m);
    expect(r.out).toMatch(/^6: jne %r2, 0, L2$/m);
  });

  it('assembles the program of a .data file', async () => {
    const data = file('a.data', '-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n');
    expect((await cli('asm', data)).out).toBe('0x00000002000000b7\n0x0000000000000095\n');
  });

  it('reports errors in one line', async () => {
    expectOneLineError(await cli('asm', file('e.s', 'exit\nmov %r11, 1\n')), 'line 2');
    expectOneLineError(await cli('disasm', file('e.bin', Uint8Array.of(1, 2, 3))), 'decode: ');
  });
});

describe('conformance', () => {
  it('prints PASS/FAIL lines and the summary line, exiting 1 on a failure', async () => {
    const dir = mkdtempSync(join(tmp, 'suite-'));
    writeFileSync(join(dir, 'a.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
    writeFileSync(join(dir, 'b.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n');
    writeFileSync(join(dir, 'c.data'), '-- asm\nldxw %r0, [%r1]\nexit\n-- result\n0x2\n');
    const r = await cli('conformance', dir, '--no-verify');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('PASS a.data');
    expect(lines[1]).toBe('FAIL b.data: expected 0x2 got 0x1');
    expect(lines[2]).toMatch(/^FAIL c\.data: run: .* at insn 0 \(expected 0x2\)$/);
    expect(lines[3]).toBe('1 passed, 2 failed');
    // Verified, c.data never runs: the verifier refuses the load from empty memory.
    const verified = (await cli('conformance', join(dir, 'c.data'))).out.split('\n');
    expect(verified[0]).toMatch(/^FAIL c\.data: verify: .* at insn 0 \(expected 0x2\)$/);
    const json = await cli('conformance', dir, '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out) as { passed: number; failed: number; results: unknown[] };
    expect(parsed.passed).toBe(1);
    expect(parsed.failed).toBe(2);
    expect(parsed.results[1]).toEqual({
      file: 'b.data',
      ok: false,
      expected: '0x2',
      actual: '0x1',
      error: null,
    });
    const one = await cli('conformance', join(dir, 'a.data'));
    expect(one).toEqual({ code: 0, out: 'PASS a.data\n1 passed, 0 failed\n', err: '' });
  });

  it('fails in one line on a missing directory or plugin', async () => {
    expectOneLineError(await cli('conformance', join(tmp, 'none')), 'cannot read');
    expectOneLineError(await cli('conformance', tmp, '--plugin', join(tmp, 'none')), 'plugin');
    expectOneLineError(await cli('conformance', tmp, '--plugin-options', '--jit'), '--plugin');
  });

  it.runIf(existsSync(SUITE))('passes the whole suite in the interpreter', async () => {
    const r = await cli('conformance', SUITE);
    expect(r.out.trimEnd().split('\n').pop()).toBe('313 passed, 0 failed');
    expect(r.code).toBe(0);
  });
});

describe('bpf_conformance plugin', () => {
  // mov %r0, %r3; exit: r3 is never written, which the verifier refuses and the VM reads as 0.
  const prog = 'bf  30  00  00  00  00  00  00  95  00  00  00  00  00  00  00  \n';

  it('verifies the program unless --no-verify', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) };
    const stdin = (): Promise<string> => Promise.resolve(prog);
    expect(await pluginMain([], stdin, io)).toBe(1);
    expect(err).toMatch(/^verify: .* at insn 0\n$/);
    expect(await pluginMain(['', '--no-verify'], stdin, io)).toBe(0);
    expect(out).toBe('0x0\n');
    expect(parsePluginArgs(['--engine interp --no-verify']).verify).toBe(false);
  });
});
