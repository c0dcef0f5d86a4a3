// Verification time at 1k, 10k and 100k instructions (issue: it must stay well under a second at
// 10k). The program repeats a block: a context load, a diamond whose join the verifier prunes,
// and a stack spill and fill. Median of several runs after a warm-up; written to
// bench/results.json under `verify` (keeping what the other benchmarks wrote).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { assembleProgram } from '../src/isa/index.js';
import { verify } from '../src/verifier/index.js';
import { BENCH_DIR, verifyBenchProgram } from './programs.js';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const rows: {
    insns: number;
    processed: number;
    medianMs: number;
    usPerInsn: number;
    reps: number;
  }[] = [];
  for (const [size, reps] of [
    [1_000, 15],
    [10_000, 7],
    [100_000, 3],
  ] as const) {
    const prog = assembleProgram(verifyBenchProgram(size));
    verify(prog, { progType: 'xdp' }); // warm-up
    const times: number[] = [];
    let processed = 0;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const r = verify(prog, { progType: 'xdp' });
      times.push(performance.now() - t);
      if (!r.ok) throw new Error(`benchmark program rejected: ${r.error?.message}`);
      processed = r.insnsProcessed;
    }
    const ms = median(times);
    rows.push({
      insns: prog.slots,
      processed,
      medianMs: ms,
      usPerInsn: (ms * 1000) / prog.slots,
      reps,
    });
  }
  console.log('\nverification time (median):');
  console.log('   insns  processed  reps   median ms  us/insn');
  for (const r of rows) {
    console.log(
      `${r.insns.toLocaleString('en-US').padStart(8)} ${r.processed.toLocaleString('en-US').padStart(10)} ${String(r.reps).padStart(5)} ${r.medianMs.toFixed(1).padStart(11)} ${r.usPerInsn.toFixed(1).padStart(8)}`,
    );
  }
  const target = new URL('results.json', BENCH_DIR);
  const prev = existsSync(target) ? (JSON.parse(readFileSync(target, 'utf8')) as object) : {};
  writeFileSync(
    target,
    `${JSON.stringify({ ...prev, verify: { date: new Date().toISOString(), rows } }, null, 2)}\n`,
  );
  console.log(`wrote verify to ${target.pathname}`);
}

main();
