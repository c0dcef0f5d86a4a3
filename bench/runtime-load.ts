// What a host pays to start: the light runtime (ebpf-wasm/runtime: an AOT module, no binaryen)
// next to the full package with the JIT and with the interpreter only. Each variant runs in a
// fresh node process (imports are cached per process), alternating, several times; per variant
// the medians of: import time, load (AOT: compile + instantiate the .wasm; JIT: open the object,
// verify, translate, instantiate; interp: open, verify), the first run, and the process's RSS and
// JS heap after that run. Also the bytes on disk each variant's code takes. Uses the built
// package (dist/), as users get it; merges `{ runtime: ... }` into bench/results.json.
//
// Environment: BENCH_LOAD_REPS (processes per variant, default 7).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAot } from '../src/aot/compile.js';
import { BENCH_DIR } from './programs.js';

const ROOT = new URL('../', BENCH_DIR).pathname;
const REPS = Number(process.env.BENCH_LOAD_REPS ?? 7);
const OBJECT = join(ROOT, 'corpus/obj/xdp_firewall.o');
const PROGRAM = 'xdp_firewall';
const GOLDEN = join(ROOT, 'corpus/golden/xdp_firewall.xdp_firewall.json');

interface Sample {
  readonly importMs: number;
  readonly loadMs: number;
  readonly firstRunMs: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly retval: number;
}

type Variant = 'runtime (aot)' | 'full (jit)' | 'full (interp)' | 'node alone';

function script(variant: Variant, wasmPath: string, packetHex: string): string {
  const dist = (p: string): string => JSON.stringify(join(ROOT, 'dist', p));
  const tail = `
    const t3 = performance.now();
    const m = process.memoryUsage();
    console.log(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstRunMs: t3 - t2,
      rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, retval }));`;
  const packet = `Buffer.from(${JSON.stringify(packetHex)}, 'hex')`;
  switch (variant) {
    case 'node alone':
      return `const t0 = performance.now(), t1 = t0, t2 = t0; const retval = 0; ${tail}`;
    case 'runtime (aot)':
      return `
        const t0 = performance.now();
        const { loadAot } = await import(${dist('aot/runtime.js')});
        const t1 = performance.now();
        const obj = await loadAot(${JSON.stringify(wasmPath)});
        const t2 = performance.now();
        const retval = obj.run(${JSON.stringify(PROGRAM)}, { packet: ${packet} }).retval;
        ${tail}`;
    case 'full (jit)':
    case 'full (interp)': {
      const jit = variant === 'full (jit)';
      return `
        const t0 = performance.now();
        const { Vm } = await import(${dist('index.js')});
        ${jit ? `await import(${dist('jit/index.js')});` : ''}
        const t1 = performance.now();
        const obj = Vm.open(${JSON.stringify(OBJECT)}, { engine: ${jit ? "'jit'" : "'interp'"} });
        obj.prepare(${JSON.stringify(PROGRAM)});
        const t2 = performance.now();
        const retval = obj.run(${JSON.stringify(PROGRAM)}, { packet: ${packet} }).retval;
        ${tail}`;
    }
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Bytes of every file under `dir` (recursively) whose name passes `keep`. */
function diskBytes(dir: string, keep: (name: string) => boolean = () => true): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += diskBytes(p, keep);
    else if (keep(e.name)) total += statSync(p).size;
  }
  return total;
}

/** The .js files the light runtime imports (its import graph in dist/), in bytes. */
function runtimeBytes(): number {
  const seen = new Set<string>();
  const todo = [join(ROOT, 'dist/aot/runtime.js')];
  let total = 0;
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    total += text.length;
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)) {
      todo.push(join(file, '..', m[1] as string));
    }
  }
  return total;
}

function main(): void {
  if (!existsSync(join(ROOT, 'dist/aot/runtime.js'))) {
    throw new Error('bench/runtime-load: build the package first (npm run build)');
  }
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { runs: { packetIn: string }[] };
  const packetHex = (golden.runs[0] as { packetIn: string }).packetIn;
  const wasmPath = join(tmpdir(), `ebpf-wasm-bench-${process.pid}.wasm`);
  const aot = compileAot(readFileSync(OBJECT), { source: 'xdp_firewall.o' });
  writeFileSync(wasmPath, aot.wasm);

  const variants: Variant[] = ['node alone', 'runtime (aot)', 'full (jit)', 'full (interp)'];
  const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      const r = spawnSync('node', ['--input-type=module', '-e', script(v, wasmPath, packetHex)], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      if (r.status !== 0) throw new Error(`${v}: ${r.stderr}`);
      samples.get(v)?.push(JSON.parse(r.stdout) as Sample);
    }
  }
  const retvals = new Set(variants.slice(1).map((v) => samples.get(v)?.[0]?.retval));
  if (retvals.size !== 1)
    throw new Error(`the variants disagree on r0: ${[...retvals].join(', ')}`);

  const rows = variants.map((v) => {
    const s = samples.get(v) as Sample[];
    const med = (k: keyof Sample): number => median(s.map((x) => x[k] as number));
    return {
      variant: v,
      importMs: med('importMs'),
      loadMs: med('loadMs'),
      firstRunMs: med('firstRunMs'),
      rssMiB: med('rssMiB'),
      heapMiB: med('heapMiB'),
    };
  });
  const disk = {
    runtimeJsBytes: runtimeBytes(),
    distBytes: diskBytes(join(ROOT, 'dist'), (n) => n.endsWith('.js') || n.endsWith('.wasm')),
    binaryenBytes: diskBytes(join(ROOT, 'node_modules/binaryen')),
    wabtBytes: diskBytes(join(ROOT, 'node_modules/wabt')),
    aotModuleBytes: aot.wasm.length,
  };

  const fmt = (x: number, d = 1): string => x.toFixed(d).padStart(9);
  console.log(
    `\nStart-up, ${PROGRAM} (xdp_firewall.o), medians of ${REPS} fresh node processes per variant:`,
  );
  console.log(
    `${'variant'.padEnd(15)}${'import ms'.padStart(10)}${'load ms'.padStart(10)}` +
      `${'1st run ms'.padStart(11)}${'RSS MiB'.padStart(10)}${'heap MiB'.padStart(10)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.variant.padEnd(15)}${fmt(r.importMs)} ${fmt(r.loadMs)} ${fmt(r.firstRunMs, 2)}  ` +
        `${fmt(r.rssMiB)} ${fmt(r.heapMiB)}`,
    );
  }
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`;
  console.log(
    `on disk: light runtime ${mib(disk.runtimeJsBytes)} of JS + the ${aot.wasm.length} B module; ` +
      `whole dist ${mib(disk.distBytes)}; binaryen ${mib(disk.binaryenBytes)}, wabt ${mib(disk.wabtBytes)}`,
  );

  const resultsUrl = new URL('results.json', BENCH_DIR);
  const results = existsSync(resultsUrl)
    ? (JSON.parse(readFileSync(resultsUrl, 'utf8')) as Record<string, unknown>)
    : {};
  results.runtime = { date: new Date().toISOString(), reps: REPS, program: PROGRAM, rows, disk };
  writeFileSync(resultsUrl, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`merged "runtime" into ${resultsUrl.pathname}`);
}

main();
