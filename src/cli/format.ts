// How the CLI prints things people and CI read: r0, `--json` objects, trace lines and the
// conformance report (whose summary line `N passed, M failed` CI greps for).

import type { BpfError } from '../errors.js';
import type { ConformanceResult } from '../conformance/runner.js';
import { hex64, hexString } from '../conformance/hex.js';
import type { TraceStep } from '../runtime/engine.js';
import type { RunResult } from '../vm.js';

/** `run --json`: one object, 64-bit values as strings (JSON numbers lose precision past 2^53). */
export function runJson(result: RunResult): string {
  return JSON.stringify({
    r0: hex64(result.r0),
    r0Signed: result.r0Signed.toString(),
    executed: result.executed,
    engine: result.engine,
    output: hexString(result.output),
  });
}

/**
 * One trace line: slot index, call depth (when inside a local call), the instruction and the
 * registers it changed, e.g. `   4: add32 %r0, %r1                  r0=0x3`.
 */
export function traceLine(step: TraceStep, text: string): string {
  const depth = step.depth > 0 ? `[${step.depth}] ` : '';
  let changed = '';
  for (const [reg, value] of step.changed) changed += ` r${reg}=${hex64(value)}`;
  return `${String(step.pc).padStart(4)}: ${(depth + text).padEnd(32)}${changed}`.trimEnd();
}

function describeValue(v: bigint | string | undefined): string {
  if (v === undefined) return 'nothing';
  return typeof v === 'bigint' ? hex64(v) : `error '${v}'`;
}

/** `PASS name`, `FAIL name: expected 0x.. got 0x..` or `FAIL name: <error>`. */
export function conformanceLine(r: ConformanceResult): string {
  if (r.ok) return `PASS ${r.file}`;
  if (r.error !== undefined) {
    const expected = r.expected !== undefined ? ` (expected ${describeValue(r.expected)})` : '';
    return `FAIL ${r.file}: ${r.error.message}${expected}`;
  }
  return `FAIL ${r.file}: expected ${describeValue(r.expected)} got ${describeValue(r.actual)}`;
}

export function countResults(results: readonly ConformanceResult[]): {
  passed: number;
  failed: number;
} {
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed };
}

/** The closing line CI reads, exactly `N passed, M failed`. */
export function summaryLine(results: readonly ConformanceResult[]): string {
  const { passed, failed } = countResults(results);
  return `${passed} passed, ${failed} failed`;
}

/** `conformance --json`: counts and every result, 64-bit values as hex strings. */
export function conformanceJson(engine: string, results: readonly ConformanceResult[]): string {
  const { passed, failed } = countResults(results);
  return JSON.stringify({
    engine,
    passed,
    failed,
    results: results.map((r) => ({
      file: r.file,
      ok: r.ok,
      expected: typeof r.expected === 'bigint' ? hex64(r.expected) : (r.expected ?? null),
      actual: r.actual !== undefined ? hex64(r.actual) : null,
      error: r.error !== undefined ? { ...r.error, insn: r.error.insn ?? null } : null,
    })),
  });
}

/** A BpfError as one line; the `cli:` stage prefix says nothing to someone at the command line. */
export function userMessage(e: BpfError): string {
  return e.stage === 'cli' ? e.message.slice('cli: '.length) : e.message;
}
