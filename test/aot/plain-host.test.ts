// An AOT module runs under a host that knows nothing of ebpf-wasm: test/aot/plain-host.mjs uses
// plain WebAssembly APIs and the manifest's contract only. It must reproduce the kernel's golden
// results (r0 and output packets) for XDP programs, map setup included.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { CORPUS } from '../corpus/replay.js';

const HOST = join(import.meta.dirname, 'plain-host.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-plain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Golden {
  readonly runs: ReadonlyArray<{ r0?: string; packetOut?: string; error?: string }>;
}

describe('an AOT module under a plain WebAssembly host', () => {
  for (const [object, program] of [
    ['xdp_firewall', 'xdp_firewall'],
    ['counter_array', 'xdp_count_proto'],
    ['icmp_echo', 'xdp_icmp_echo'],
  ] as const) {
    it(`${object}.${program}`, () => {
      const wasm = join(dir, `${object}.wasm`);
      writeFileSync(wasm, compileAot(readFileSync(join(CORPUS, 'obj', `${object}.o`))).wasm);
      const goldenPath = join(CORPUS, 'golden', `${object}.${program}.json`);
      const setupPath = join(CORPUS, 'src', `${object}.setup.json`);
      const r = spawnSync('node', [HOST, wasm, goldenPath, setupPath], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
      const expected = golden.runs.map((run) => `${Number(run.r0)} ${run.packetOut ?? ''}`);
      expect(r.stdout.trim().split('\n')).toEqual(expected);
    });
  }
});
