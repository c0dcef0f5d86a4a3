// The built executables as users and the upstream runner start them: bin/ebpf-wasm.js and
// bin/bpf-conformance-plugin (which load dist/). The plugin runs on a sample of the suite here;
// `make conformance-plugin` runs all 313 files through it.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { runPluginFiles } from '../../src/conformance/plugin-runner.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/ebpf-wasm.js');
const PLUGIN = join(ROOT, 'bin/bpf-conformance-plugin');
const SUITE = join(ROOT, '../shared/conformance/tests');
const DIST_MAIN = join(ROOT, 'dist/cli/main.js');
const DIST_PLUGIN = join(ROOT, 'dist/cli/plugin.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than src/ (`make test` builds first, so this is rare). */
beforeAll(() => {
  const built = existsSync(DIST_MAIN) && existsSync(DIST_PLUGIN);
  if (built && statSync(DIST_MAIN).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  // The project's own build (tsc, plus the assets it copies). tsc emits even when some other file
  // has a type error; that is `tsc --noEmit`'s business, not this test's.
  spawnSync('npm', ['run', 'build'], { cwd: ROOT, timeout: 110_000 });
  expect(existsSync(DIST_PLUGIN)).toBe(true);
}, 120_000);

function run(cmd: string, args: string[], input = '', cwd = tmpdir()) {
  const r = spawnSync(cmd, args, { input, cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('bin/ebpf-wasm.js', () => {
  it('runs a program from any directory', () => {
    const r = run(CLI, ['run', join(ROOT, 'corpus/asm/sum.s'), '--mem-hex', '01 02 03 04']);
    expect(r).toEqual({ code: 0, out: '0xa\n', err: '' });
  });

  it('exits 1 with one line for an unknown option and for a trap', () => {
    const bad = run(CLI, ['run', 'x.s', '--frob']);
    expect(bad).toEqual({ code: 1, out: '', err: "ebpf-wasm: run: unknown option '--frob'\n" });
    const trap = run(CLI, [
      'run',
      join(ROOT, 'corpus/asm/sum.s'),
      '--budget',
      '3',
      '--mem-hex',
      '01 02',
    ]);
    expect(trap.code).toBe(1);
    expect(trap.err.trimEnd().split('\n')).toHaveLength(1);
    expect(trap.err).toMatch(/^ebpf-wasm: run: .* at insn \d+\n$/);
  });
});

describe('bin/ebpf-wasm.js on objects', () => {
  it('verifies an object (exit 0) and a rejected program (exit 1, JSON on stdout)', () => {
    const ok = run(CLI, ['verify', join(ROOT, 'corpus/obj/xdp_firewall.o')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^accept xdp_firewall \(\d+ insns processed\)\n$/);
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-spawn-'));
    try {
      const bad = join(dir, 'bad.s');
      writeFileSync(bad, 'ldxw %r0, [%r1+4]\nexit\n');
      const r = run(CLI, ['verify', bad, '--json']);
      expect(r.code).toBe(1);
      expect(r.err).toBe('');
      const json = JSON.parse(r.out) as { programs: { verdict: string; error: unknown }[] };
      expect(json.programs[0]?.verdict).toBe('reject');
      expect(json.programs[0]?.error).toMatchObject({ code: 'VERIFY_OUT_OF_BOUNDS', insn: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bin/bpf-conformance-plugin', () => {
  it('speaks the runner protocol from any directory', () => {
    const prog = 'b7  00  00  00  2a  00  00  00  95  00  00  00  00  00  00  00  \n';
    expect(run(PLUGIN, [], prog)).toEqual({ code: 0, out: '0x2a\n', err: '' });
    const ldxb = '71  10  02  00  00  00  00  00  95  00  00  00  00  00  00  00  \n';
    expect(run(PLUGIN, ['aa  bb  11  ', '--engine', 'interp'], ldxb).out).toBe('0x11\n');
  });

  it('exits non-zero with the error on stderr', () => {
    const elf = run(PLUGIN, ['--elf'], '7f  45  4c  46  \n');
    expect(elf.code).toBe(1);
    expect(elf.out).toBe('');
    expect(elf.err).toContain('ELF');
    const bad = run(PLUGIN, [], 'ff  00  00  00  00  00  00  00  \n');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^decode: .* at insn 0\n$/);
  });

  it.runIf(existsSync(SUITE))(
    'passes a sample of the suite, driven like the upstream runner',
    async () => {
      const all = readdirSync(SUITE)
        .filter((f) => f.endsWith('.data'))
        .sort();
      const named = ['call_unwind_fail.data', 'callx.data', 'lddw.data', 'prime.data', 'ldxb.data'];
      const sample = [...new Set([...named, ...all.filter((_, i) => i % 12 === 0)])];
      expect(sample.length).toBeGreaterThanOrEqual(30);
      const results = await runPluginFiles(
        PLUGIN,
        sample.map((f) => join(SUITE, f)),
        { jobs: 4 },
      );
      const failed = results
        .filter((r) => !r.ok)
        .map((r) => `${r.file}: ${r.error?.message ?? r.actual}`);
      expect(failed).toEqual([]);
    },
  );
});

describe('bin scripts', () => {
  it('are executable', () => {
    for (const f of [CLI, PLUGIN]) expect(statSync(f).mode & 0o111, f).not.toBe(0);
    expect(execFileSync(CLI, ['--version'], { encoding: 'utf8' })).toMatch(/^ebpf-wasm /);
  });
});

describe('the built package', () => {
  it('ebpf-wasm/runtime runs an AOT module with binaryen and wabt unresolvable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-runtime-'));
    try {
      const wasm = join(dir, 'count.wasm');
      writeFileSync(wasm, compileAot(readFileSync(join(ROOT, 'corpus/obj/counter_array.o'))).wasm);
      // A resolve hook that refuses both packages: importing either fails the child.
      const hook = join(dir, 'hook.mjs');
      writeFileSync(
        hook,
        `export async function resolve(spec, ctx, next) {
          if (/^(binaryen|wabt)($|\\/)/.test(spec)) throw new Error('refused import ' + spec);
          return next(spec, ctx);
        }`,
      );
      const register = join(dir, 'register.mjs');
      writeFileSync(
        register,
        `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});`,
      );
      const golden = JSON.parse(
        readFileSync(join(ROOT, 'corpus/golden/counter_array.xdp_count_proto.json'), 'utf8'),
      ) as { runs: Array<{ packetIn: string; r0: string }> };
      const packets = golden.runs.slice(0, 4).map((r) => r.packetIn);
      const script = `
        const { loadAot } = await import(${JSON.stringify(join(ROOT, 'dist/aot/runtime.js'))});
        const obj = await loadAot(${JSON.stringify(wasm)});
        const out = ${JSON.stringify(packets)}.map((h) =>
          obj.run('xdp_count_proto', { packet: Buffer.from(h, 'hex') }).retval);
        console.log(out.join(' '));
      `;
      const r = run('node', ['--import', register, '--input-type=module', '-e', script]);
      expect(r.err).toBe('');
      expect(r.out.trim()).toBe(
        golden.runs
          .slice(0, 4)
          .map((g) => Number(g.r0))
          .join(' '),
      );
      // The hook does refuse: importing the JIT entry under it fails.
      const jit = run('node', [
        '--import',
        register,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(join(ROOT, 'dist/jit/index.js'))})`,
      ]);
      expect(jit.code).not.toBe(0);
      expect(jit.err).toMatch(/refused import binaryen/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs objects with maps without loading binaryen or wabt (maps.wasm is prebuilt)', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { Vm } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});
      const obj = Vm.open(${JSON.stringify(join(ROOT, 'corpus/obj/counter_hash.o'))});
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(obj.programs.length, cache.some((k) => k.includes('/wabt/')), cache.some((k) => k.includes('binaryen')));
    `;
    const r = run('node', ['--input-type=module', '-e', script]);
    expect(r).toEqual({ code: 0, out: '1 false false\n', err: '' });
  });
});
