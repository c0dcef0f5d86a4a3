// `ebpf-wasm conformance DIR`: run every bpf_conformance `.data` file of DIR (or one file) in
// process on one engine, or through a plugin process per test (the upstream runner's protocol),
// print a line per file as it finishes and the summary line
// `N passed, M failed` that CI reads; exit 1 when any failed.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENGINE_NAMES, ensureEngine } from '../conformance/engines.js';
import {
  type ConformanceResult,
  listDataFiles,
  runConformanceFile,
} from '../conformance/runner.js';
import { runPluginFiles } from '../conformance/plugin-runner.js';
import { BpfError } from '../errors.js';
import type { EngineName } from '../runtime/engine.js';
import {
  type CommandSpec,
  countOpt,
  flagOpt,
  type ParsedArgs,
  stringOpt,
  usageError,
} from './args.js';
import { conformanceJson, conformanceLine, summaryLine } from './format.js';
import type { CliIo } from './io.js';

export const conformanceSpec: CommandSpec = {
  name: 'conformance',
  summary:
    'Run the bpf_conformance suite.\n' +
    'Runs the *.data tests in DIR (or the one test file DIR) in process, or through a plugin.\n' +
    'Prints PASS/FAIL per file, then "N passed, M failed"; exits 1 if any test failed.',
  positionals: [{ name: 'DIR', help: 'directory of .data files, or one .data file' }],
  options: [
    { name: 'engine', value: 'string', choices: ENGINE_NAMES, help: 'engine (default interp)' },
    { name: 'json', help: 'print one JSON object with every result instead of lines' },
    {
      name: 'plugin',
      value: 'string',
      valueName: 'PATH',
      help: 'run each test through a bpf_conformance plugin process instead',
    },
    {
      name: 'plugin-options',
      value: 'string',
      valueName: 'STR',
      help: 'arguments for the plugin, split on spaces (with --engine: --engine E is added)',
    },
    {
      name: 'no-verify',
      help: 'run each test without verifying it first (plugin: passes --no-verify)',
    },
    {
      name: 'jobs',
      value: 'count',
      valueName: 'N',
      help: 'plugin processes at once (default: CPUs)',
    },
  ],
  notes: [
    'Examples:',
    '  ebpf-wasm conformance ../shared/conformance/tests --engine jit',
    '  ebpf-wasm conformance ../shared/conformance/tests --plugin bin/bpf-conformance-plugin',
  ],
};

async function testFiles(path: string): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (cause) {
    throw new BpfError('cli', 'IO', `cannot read ${path}: no such file or directory`, { cause });
  }
  return isDir ? listDataFiles(path) : [path];
}

/** The plugin's options: --plugin-options, plus `--engine E` and `--no-verify` when given. */
function pluginOptions(args: ParsedArgs): string {
  const engine = stringOpt(args, 'engine');
  const words = [stringOpt(args, 'plugin-options') ?? ''];
  if (engine !== undefined) words.push(`--engine ${engine}`);
  if (flagOpt(args, 'no-verify')) words.push('--no-verify');
  return words.filter((w) => w !== '').join(' ');
}

export async function conformanceCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const engine = (stringOpt(args, 'engine') ?? 'interp') as EngineName;
  const plugin = stringOpt(args, 'plugin');
  const json = flagOpt(args, 'json');
  const report = (r: ConformanceResult): void => {
    if (!json) io.stdout(conformanceLine(r) + '\n');
  };
  const files = await testFiles(args.positionals[0] as string);
  let results: ConformanceResult[];
  if (plugin !== undefined) {
    if (!existsSync(plugin)) throw new BpfError('cli', 'IO', `plugin ${plugin} does not exist`);
    const opts = { pluginOptions: pluginOptions(args), jobs: countOpt(args, 'jobs') };
    results = await runPluginFiles(resolve(plugin), files, opts, report);
  } else {
    if (stringOpt(args, 'plugin-options') !== undefined) {
      throw usageError('conformance: --plugin-options needs --plugin');
    }
    await ensureEngine(engine);
    results = [];
    for (const path of files) {
      const r = await runConformanceFile(path, { engine, verify: !flagOpt(args, 'no-verify') });
      results.push(r);
      report(r);
    }
  }
  const label = plugin !== undefined ? `plugin ${plugin}` : engine;
  io.stdout((json ? conformanceJson(label, results) : summaryLine(results)) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}
