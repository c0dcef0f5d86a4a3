import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDataFile } from '../../src/conformance/data-file.js';
import { engineAvailable } from '../../src/conformance/engines.js';
import {
  CONFORMANCE_BUDGET,
  programOfTest,
  runConformanceDir,
  runConformanceFile,
  runDataTest,
} from '../../src/conformance/runner.js';
import { BpfError } from '../../src/errors.js';
import type { EngineName } from '../../src/runtime/engine.js';

const SUITE = join(import.meta.dirname, '../../../shared/conformance/tests');
const hasSuite = existsSync(SUITE);
const engines: EngineName[] = ['interp'];
if (await engineAvailable('jit')) engines.push('jit');

const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dataFile(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe.each(engines)('runner on %s', (engine) => {
  it('passes a test whose r0 matches, with mem as input (r1, r2)', async () => {
    const path = dataFile(
      `len-${engine}.data`,
      '-- asm\nldxb %r0, [%r1+1]\nadd %r0, %r2\nexit\n-- mem\n01 20 03\n-- result\n0x23\n',
    );
    const r = await runConformanceFile(path, { engine });
    expect(r).toEqual({ file: `len-${engine}.data`, ok: true, expected: 0x23n, actual: 0x23n });
  });

  it('fails a test whose r0 differs, reporting both values', async () => {
    const path = dataFile(`wrong-${engine}.data`, '-- asm\nmov %r0, 7\nexit\n-- result\n0x8\n');
    const r = await runConformanceFile(path, { engine });
    expect(r).toMatchObject({ ok: false, expected: 8n, actual: 7n });
    expect(r.error).toBeUndefined();
  });

  it('passes an -- error test when the run traps, and fails it when it does not', async () => {
    // The verifier refuses a call to a helper nobody registered; unverified, the run traps.
    const trap = dataFile(`trap-${engine}.data`, '-- asm\ncall 99\nexit\n-- error\nboom\n');
    const r = await runConformanceFile(trap, { engine });
    expect(r).toMatchObject({ ok: true, expected: 'boom', actual: undefined });
    expect(r.error).toMatchObject({ code: 'VERIFY_UNKNOWN_HELPER', insn: 0 });
    const unverified = await runConformanceFile(trap, { engine, verify: false });
    expect(unverified).toMatchObject({ ok: true, expected: 'boom', actual: undefined });
    expect(unverified.error).toMatchObject({ code: 'UNKNOWN_HELPER', insn: 0 });
    const fine = dataFile(`fine-${engine}.data`, '-- asm\nmov %r0, 1\nexit\n-- error\nboom\n');
    expect(await runConformanceFile(fine, { engine })).toMatchObject({ ok: false, actual: 1n });
  });

  it('bounds a runaway program with the budget', async () => {
    const path = dataFile(`loop-${engine}.data`, '-- asm\nja -1\nexit\n-- result\n0x0\n');
    expect((await runConformanceFile(path, { engine })).error?.code).toMatch(/^VERIFY_/);
    const r = await runConformanceFile(path, { engine, budget: 1000, verify: false });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('BUDGET_EXHAUSTED');
  });

  it('lets helper 5 return normally (call and callx)', () => {
    const call = parseDataFile('-- asm\nmov %r1, -1\ncall 5\nmov %r0, 2\nexit\n-- result\n0x2\n');
    expect(runDataTest('call', call, engine).ok).toBe(true);
  });
});

describe('runner', () => {
  it('reports a malformed file as a failed result with the code and line', async () => {
    const path = dataFile('bad.data', '-- asm\nexit\n-- mem\nzz\n-- result\n0x0\n');
    const r = await runConformanceFile(path);
    expect(r).toMatchObject({ file: 'bad.data', ok: false, expected: undefined });
    expect(r.error).toMatchObject({ code: 'BAD_INPUT' });
    expect(r.error?.message).toContain('line 4');
  });

  it('reports assembler errors at the line of the .data file', () => {
    const t = parseDataFile('# c\n-- asm\nmov %r0, 1\nfrobnicate %r0\nexit\n-- result\n0x0\n');
    let err: unknown;
    try {
      programOfTest(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect(err).toMatchObject({ stage: 'asm', line: 4 });
  });

  it('runs raw instead of asm when both are present', () => {
    const t = parseDataFile(
      '-- asm\nmov %r0, 1\nexit\n-- raw\n0x00000002000000b7\n0x0000000000000095\n-- result\n0x2\n',
    );
    expect(runDataTest('raw', t, 'interp')).toMatchObject({ ok: true, actual: 2n });
  });

  it('has a budget far above what the suite needs', () => {
    expect(CONFORMANCE_BUDGET).toBeGreaterThanOrEqual(100_000);
  });

  it('runs the .data files of a directory in name order', async () => {
    const dir = mkdtempSync(join(tmp, 'dir-'));
    writeFileSync(join(dir, 'b.data'), '-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n');
    writeFileSync(join(dir, 'a.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a test');
    const results = await runConformanceDir(dir);
    expect(results.map((r) => [r.file, r.ok])).toEqual([
      ['a.data', true],
      ['b.data', true],
    ]);
  });

  it('fails cleanly on a missing directory', async () => {
    await expect(runConformanceDir(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'IO' });
  });
});

describe.skipIf(!hasSuite).each(engines)('the bpf_conformance suite on %s', (engine) => {
  it('passes all 313 tests', async () => {
    const results = await runConformanceDir(SUITE, { engine });
    expect(results.length).toBe(313);
    const failed = results
      .filter((r) => !r.ok)
      .map((r) => `${r.file}: ${r.error?.message ?? r.actual}`);
    expect(failed).toEqual([]);
  });
});
