// The upstream-runner emulation against stand-in plugins (small shell scripts), to pin down how
// it reads exit status, stdout and stderr, and that it reports in file order.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPluginFiles } from '../../src/conformance/plugin-runner.js';
import type { ConformanceResult } from '../../src/conformance/runner.js';

const tmp = mkdtempSync(join(tmpdir(), 'ebpf-wasm-plugin-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(tmp, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function test(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const ONE = test('one.data', '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
const TWO = test('two.data', '-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n');
const ERR = test('err.data', '-- asm\nexit\n-- error\nboom\n');
const MEM = test('mem.data', '-- asm\nexit\n-- mem\n01 ab\n-- result\n0x0\n');

describe('runPluginFiles', () => {
  it('parses stdout as hex and compares it with the result', async () => {
    const plugin = script('one', 'cat > /dev/null; echo 1');
    const results = await runPluginFiles(plugin, [ONE, TWO]);
    expect(results.map((r) => [r.file, r.ok, r.actual])).toEqual([
      ['one.data', true, 1n],
      ['two.data', false, 1n],
    ]);
  });

  it('passes the program on stdin and memory and options as arguments, as the runner does', async () => {
    const log = join(tmp, 'args.log');
    const plugin = script('echoargs', `printf '%s|' "$@" > ${log}; cat >> ${log}; echo 0`);
    await runPluginFiles(plugin, [MEM], { pluginOptions: '--engine jit' });
    expect(readFileSync(log, 'utf8')).toBe(
      '01  ab  |--engine|jit|95  00  00  00  00  00  00  00  \n',
    );
  });

  it('passes an -- error test when the plugin fails with that text, on stdout or stderr', async () => {
    const onStderr = script('fail-stderr', 'cat > /dev/null; echo boom >&2; exit 3');
    const onStdout = script('fail-stdout', 'cat > /dev/null; echo boom; exit 1');
    const other = script('fail-other', 'cat > /dev/null; echo bang >&2; exit 1');
    expect((await runPluginFiles(onStderr, [ERR]))[0]?.ok).toBe(true);
    expect((await runPluginFiles(onStdout, [ERR]))[0]?.ok).toBe(true);
    const [r] = await runPluginFiles(other, [ERR, ONE]);
    expect(r).toMatchObject({ ok: false, error: { code: 'PLUGIN' } });
  });

  it('fails a test when the plugin prints no number or exits non-zero', async () => {
    const words = script('words', 'cat > /dev/null; echo nothing');
    const [a] = await runPluginFiles(words, [ONE]);
    expect(a).toMatchObject({ ok: false, error: { code: 'PLUGIN' } });
    const crash = script('crash', 'cat > /dev/null; exit 2');
    const [b] = await runPluginFiles(crash, [ONE]);
    expect(b).toMatchObject({ ok: false, error: { code: 'PLUGIN' } });
  });

  it('kills a plugin that does not finish in time', async () => {
    const hang = script('hang', 'exec sleep 30');
    const [r] = await runPluginFiles(hang, [ONE], { timeoutMs: 300 });
    expect(r?.ok).toBe(false);
    expect(r?.error?.message).toContain('timed out');
  });

  it('reports results in file order whatever order they finish in', async () => {
    // The first test's plugin run is the slow one.
    const plugin = script(
      'slow-first',
      'read line; case "$line" in b7*01*) sleep 0.3;; esac; echo 1',
    );
    const seen: ConformanceResult[] = [];
    const results = await runPluginFiles(plugin, [ONE, TWO, ERR], { jobs: 3 }, (r) => seen.push(r));
    expect(seen.map((r) => r.file)).toEqual(['one.data', 'two.data', 'err.data']);
    expect(results.map((r) => r.file)).toEqual(['one.data', 'two.data', 'err.data']);
  });
});
