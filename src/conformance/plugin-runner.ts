// Drives a bpf_conformance plugin the way the upstream bpf_conformance_runner does, so the
// plugin protocol can be checked without building the runner: for each test, spawn
// `plugin [MEM_HEX] [options...]` (MEM_HEX only when the test has memory; options split on
// spaces), write the program as hex bytes and a newline on stdin, then read stdout. Exit 0: the
// output, all lines joined, is parsed as hex (strtoull base 16: optional 0x, stops at the first
// non-digit) and compared with `-- result`. Non-zero exit: the test passes only when it expects
// an error and the output (stdout, or stderr when stdout is empty, up to a '\r') equals it.
// Unlike the runner, tests run a few at a time and each has a wall-clock timeout.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { BpfError } from '../errors.js';
import { encode } from '../isa/encode.js';
import { type DataTest, parseDataFile } from './data-file.js';
import { formatHexBytes } from './hex.js';
import { type ConformanceResult, programOfTest, toFailure } from './runner.js';

export interface PluginRunOptions {
  /** Extra arguments, as one string split on spaces like the runner's `--plugin_options`. */
  readonly pluginOptions?: string | undefined;
  /** Tests run at once (default: the number of CPUs). */
  readonly jobs?: number | undefined;
  /** Milliseconds before a plugin process is killed (default 30 s). */
  readonly timeoutMs?: number | undefined;
}

export const PLUGIN_TIMEOUT_MS = 30_000;

interface PluginOutput {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runPlugin(
  plugin: string,
  args: readonly string[],
  stdin: string,
  timeoutMs: number,
): Promise<PluginOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(plugin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A plugin that exits without reading stdin closes the pipe: not an error of the test run.
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
    child.stdin.end(stdin);
  });
}

/** strtoull(text, 16) as the runner applies it: null when no hex digit starts the text. */
export function parseRunnerHex(text: string): bigint | null {
  const m = /^\s*[+]?(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(text);
  if (m === null) return null;
  return BigInt.asUintN(64, BigInt('0x' + (m[1] as string)));
}

/** The argument vector the runner gives the plugin for `mem` and `pluginOptions`. */
export function pluginArgv(mem: Uint8Array, pluginOptions = ''): string[] {
  const args: string[] = [];
  if (mem.length > 0) args.push(formatHexBytes(mem));
  // The runner splits on single spaces; a doubled space gives an empty argument (kept here too).
  if (pluginOptions !== '') args.push(...pluginOptions.split(' '));
  return args;
}

/** Run one parsed test through `plugin`. Never throws for a test's own failure. */
export async function runPluginTest(
  plugin: string,
  file: string,
  test: DataTest,
  opts: PluginRunOptions = {},
): Promise<ConformanceResult> {
  const expected = test.error ?? test.result;
  let bytes: Uint8Array;
  try {
    bytes = encode(programOfTest(test).insns);
  } catch (e) {
    return { file, ok: false, expected, actual: undefined, error: toFailure(e) };
  }
  const out = await runPlugin(
    plugin,
    pluginArgv(test.mem, opts.pluginOptions),
    formatHexBytes(bytes) + '\n',
    opts.timeoutMs ?? PLUGIN_TIMEOUT_MS,
  );
  const stdout = out.stdout.split(/\r?\n/).join('');
  if (out.timedOut || out.status !== 0) {
    let text = stdout === '' ? out.stderr.split(/\r?\n/).join('') : stdout;
    const cr = text.indexOf('\r');
    if (cr >= 0) text = text.slice(0, cr);
    const ok = !out.timedOut && test.error !== undefined && text === test.error;
    const why = out.timedOut ? 'timed out' : `exited with status ${out.status}`;
    const error = { code: 'PLUGIN' as const, insn: undefined, message: `plugin ${why}: ${text}` };
    return { file, ok, expected, actual: undefined, ...(ok ? {} : { error }) };
  }
  const actual = parseRunnerHex(stdout);
  if (actual === null) {
    const message = `plugin printed no hex value: '${stdout}'`;
    return {
      file,
      ok: false,
      expected,
      actual: undefined,
      error: { code: 'PLUGIN', insn: undefined, message },
    };
  }
  return { file, ok: test.error === undefined && actual === test.result, expected, actual };
}

/** Parse and run each file through `plugin`, `jobs` at a time; results in the order of `paths`. */
export async function runPluginFiles(
  plugin: string,
  paths: readonly string[],
  opts: PluginRunOptions = {},
  onResult?: (r: ConformanceResult) => void,
): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = new Array<ConformanceResult>(paths.length);
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  let next = 0;
  let reported = 0;
  const done = new Array<boolean>(paths.length).fill(false);
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i] as string;
      results[i] = await runPluginFile(plugin, path, opts);
      done[i] = true;
      // Report in file order, as soon as every earlier file is done.
      // (`onResult?.(x[i++])` would skip the increment when there is no callback.)
      for (; reported < paths.length && done[reported]; reported++) {
        if (onResult !== undefined) onResult(results[reported] as ConformanceResult);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, paths.length) }, worker));
  return results;
}

async function runPluginFile(
  plugin: string,
  path: string,
  opts: PluginRunOptions,
): Promise<ConformanceResult> {
  const file = basename(path);
  let test: DataTest;
  try {
    test = parseDataFile(await readFile(path, 'utf8'));
  } catch (e) {
    const err =
      e instanceof BpfError ? e : new BpfError('load', 'IO', `cannot read ${path}`, { cause: e });
    return { file, ok: false, expected: undefined, actual: undefined, error: toFailure(err) };
  }
  try {
    return await runPluginTest(plugin, file, test, opts);
  } catch (e) {
    const err = new BpfError('cli', 'IO', `cannot run plugin ${plugin}: ${(e as Error).message}`, {
      cause: e,
    });
    return {
      file,
      ok: false,
      expected: test.error ?? test.result,
      actual: undefined,
      error: toFailure(err),
    };
  }
}
