// The native ceiling: the benchmark kernels written in C (bench/native/*.c, mirroring each .s
// kernel's algorithm) built with `cc -O2 -fno-jump-tables` (NATIVE_FLAGS says why) into
// node_modules/.cache/ebpf-wasm-bench/native and run by their harness (bench/native/harness.c)
// on the same input bytes as the engines, which it reads from a temporary file. Where no C compiler answers, the ceiling is skipped with a reason.
// CC in the environment picks another compiler.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR } from './programs.js';

/**
 * -O2, without jump tables: eBPF has no indirect jump, so the .s kernels dispatch a switch by a
 * tree of compares (as clang -target bpf emits it), and so does gcc with -fno-jump-tables; with
 * a jump table the C switch kernels would run another algorithm (on random bytes, about twice as
 * slow here, from a mispredicted indirect jump per byte). Only switch.c and switch64.c change.
 */
export const NATIVE_FLAGS: readonly string[] = ['-O2', '-fno-jump-tables'];

export interface NativeBuild {
  readonly binary: string;
  /** The compiler command and the first line of its --version. */
  readonly cc: string;
  readonly version: string;
  readonly flags: readonly string[];
}

export type NativeProbe =
  | { readonly ok: true; readonly build: NativeBuild }
  | { readonly ok: false; readonly reason: string };

export interface NativeResult {
  readonly r0: bigint;
  /** Median ns per run over the timed batches. */
  readonly medianNs: number;
  readonly minNs: number;
  /** ns per run of each timed batch, in time order. */
  readonly sampleNs: readonly number[];
  /** Runs per timed batch. */
  readonly batch: number;
}

const SOURCES = fileURLToPath(new URL('native/', BENCH_DIR));
const OUT_DIR = fileURLToPath(new URL('../node_modules/.cache/ebpf-wasm-bench/native/', BENCH_DIR));

/** Probe the C compiler and build the harness with every kernel; a reason when it cannot. */
export function buildNative(): NativeProbe {
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim();
    return { ok: false, reason: `no C compiler (${cc}: ${why})` };
  }
  const version = probe.stdout.split('\n')[0]?.trim() ?? cc;
  mkdirSync(OUT_DIR, { recursive: true });
  const binary = join(OUT_DIR, 'bench-native');
  const sources = readdirSync(SOURCES)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => join(SOURCES, f));
  const built = spawnSync(cc, [...NATIVE_FLAGS, '-o', binary, ...sources], { encoding: 'utf8' });
  if (built.error !== undefined || built.status !== 0) {
    const why = built.error?.message ?? built.stderr.trim();
    return { ok: false, reason: `${cc} ${NATIVE_FLAGS.join(' ')} failed: ${why}` };
  }
  return { ok: true, build: { binary, cc, version, flags: NATIVE_FLAGS } };
}

/** Run kernel `name` natively on `input` for about `maxSeconds` of timed batches. */
export function runNative(
  build: NativeBuild,
  name: string,
  input: Uint8Array,
  maxSeconds: number,
): NativeResult {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-wasm-bench-'));
  try {
    const file = join(dir, `${name}.bin`);
    writeFileSync(file, input);
    const res = spawnSync(build.binary, [name, file, String(maxSeconds)], { encoding: 'utf8' });
    if (res.error !== undefined) throw res.error;
    if (res.status !== 0) {
      throw new Error(`native ${name}: exit ${res.status}: ${res.stdout}${res.stderr}`.trim());
    }
    const out = JSON.parse(res.stdout) as {
      r0: string;
      medianNs: number;
      minNs: number;
      sampleNs: number[];
      batch: number;
    };
    return {
      r0: BigInt(out.r0),
      medianNs: out.medianNs,
      minNs: out.minNs,
      sampleNs: out.sampleNs,
      batch: out.batch,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
