// Runs bpf_conformance `.data` tests in process on one engine: each test gets a fresh Vm with the
// helpers the suite calls, its program (raw if present, else the assembled asm), a copy of its
// memory as input and a bounded instruction budget. A test passes when r0 equals `-- result`, or,
// for an `-- error` test, when loading or running fails.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AsmError, BpfError, DecodeError, type ErrorCode } from '../errors.js';
import { assembleProgram } from '../isa/asm.js';
import { decode } from '../isa/decode.js';
import type { Program } from '../isa/insn.js';
import type { EngineName } from '../runtime/engine.js';
import { Vm } from '../vm.js';
import { type DataTest, parseDataFile } from './data-file.js';
import { ensureEngine } from './engines.js';

/** The suite's tests are tiny; anything running this long has lost its way (e.g. a bad jump). */
export const CONFORMANCE_BUDGET = 1_000_000;

/**
 * Helper ids the suite calls: `call 5` in call_unwind_fail and `callx` (through r2 = 5). In ubpf
 * helper 5 is an "unwind" helper that stops the program when it returns 0; the tests pass -1, so
 * they expect the call to return normally, and both set r0 after it. Here helper 5 just returns
 * 0 and the program goes on.
 */
export const CONFORMANCE_HELPERS: readonly number[] = [5];

export interface ConformanceOptions {
  readonly engine?: EngineName | undefined;
  readonly budget?: number | undefined;
  /** Verify each program before it runs (default true, as the Vm does); false runs it as is. */
  readonly verify?: boolean | undefined;
}

/**
 * Why a test did not produce an r0, as plain data: a BpfError's code, INTERNAL for any other
 * exception (a bug), PLUGIN when a plugin process failed or printed no value.
 */
export interface ConformanceFailure {
  readonly code: ErrorCode | 'INTERNAL' | 'PLUGIN';
  readonly insn: number | undefined;
  readonly message: string;
}

export interface ConformanceResult {
  /** File name without its directory. */
  readonly file: string;
  readonly ok: boolean;
  /** Expected r0, or the expected error text for an `-- error` test (undefined if unparsable). */
  readonly expected: bigint | string | undefined;
  /** r0 the program returned, when it ran to exit. */
  readonly actual: bigint | undefined;
  /** The failure, when parsing, loading or running threw. */
  readonly error?: ConformanceFailure;
}

/** A Vm set up as the conformance suite expects, on an engine already ensured. */
export function conformanceVm(engine: EngineName, budget = CONFORMANCE_BUDGET, verify = true): Vm {
  const vm = new Vm({ engine, budget, verify });
  for (const id of CONFORMANCE_HELPERS) vm.registerHelper(id, () => 0n, `conformance_${id}`);
  return vm;
}

/**
 * The program a test runs: its raw bytecode when present (it overrides asm), else its asm.
 * Assembler and decoder errors are reported at the line of the file (the asm section keeps its line
 * structure, so the offset is exact).
 */
export function programOfTest(test: DataTest): Program {
  if (test.raw !== undefined) return decode(test.raw);
  if (test.asm === undefined) throw new BpfError('load', 'BAD_INPUT', 'test has no instructions');
  try {
    return assembleProgram(test.asm);
  } catch (e) {
    if (!(e instanceof BpfError) || e.line === undefined || test.asmLine === undefined) throw e;
    const init = { insn: e.insn, line: e.line + test.asmLine - 1, cause: e };
    if (e instanceof AsmError) throw new AsmError(e.code, e.detail, init);
    if (e instanceof DecodeError) throw new DecodeError(e.code, e.detail, init);
    throw e;
  }
}

export function toFailure(e: unknown): ConformanceFailure {
  if (e instanceof BpfError) return { code: e.code, insn: e.insn, message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', insn: undefined, message: `internal error: ${message}` };
}

/** Run one parsed test on `engine` (which must be ensured already). Never throws. */
export function runDataTest(
  file: string,
  test: DataTest,
  engine: EngineName,
  budget = CONFORMANCE_BUDGET,
  verify = true,
): ConformanceResult {
  const expected = test.error ?? test.result;
  let actual: bigint;
  try {
    const vm = conformanceVm(engine, budget, verify);
    vm.load(programOfTest(test));
    actual = vm.run(test.mem).r0;
  } catch (e) {
    const error = toFailure(e);
    // An `-- error` test passes on any failure the VM reports; a bug in the VM still fails.
    const ok = test.error !== undefined && error.code !== 'INTERNAL';
    return { file, ok, expected, actual: undefined, error };
  }
  const ok = test.error === undefined && actual === test.result;
  return { file, ok, expected, actual };
}

/** Parse and run one `.data` file. I/O errors and malformed files become failed results. */
export async function runConformanceFile(
  path: string,
  opts: ConformanceOptions = {},
): Promise<ConformanceResult> {
  const engine = opts.engine ?? 'interp';
  await ensureEngine(engine);
  const file = basename(path);
  let test: DataTest;
  try {
    test = parseDataFile(await readFile(path, 'utf8'));
  } catch (e) {
    const error =
      e instanceof BpfError
        ? toFailure(e)
        : toFailure(new BpfError('load', 'IO', `cannot read ${path}: ${describe(e)}`));
    return { file, ok: false, expected: undefined, actual: undefined, error };
  }
  return runDataTest(file, test, engine, opts.budget, opts.verify);
}

/** Every `*.data` file of `dir`, sorted by name (the order the upstream runner uses). */
export async function listDataFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new BpfError('load', 'IO', `cannot read directory ${dir}: ${describe(e)}`, { cause: e });
  }
  return names
    .filter((n) => n.endsWith('.data'))
    .sort()
    .map((n) => join(dir, n));
}

/** Run every `.data` file of `dir` on one engine. */
export async function runConformanceDir(
  dir: string,
  opts: ConformanceOptions = {},
): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const path of await listDataFiles(dir)) results.push(await runConformanceFile(path, opts));
  return results;
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return e instanceof Error ? e.message : String(e);
}
