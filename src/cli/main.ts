// The `ebpf-wasm` command: picks the command, parses its arguments and turns every user error
// (a BpfError) into one line on stderr and exit status 1. Only an internal bug prints a stack.

import { readFileSync } from 'node:fs';
import { BpfError } from '../errors.js';
import { type CommandSpec, commandHelp, parseArgs, type ParsedArgs, usageError } from './args.js';
import { asmCommand, asmSpec } from './asm.js';
import { benchCommand, benchSpec } from './bench.js';
import { compileCommand, compileSpec } from './compile.js';
import { conformanceCommand, conformanceSpec } from './conformance.js';
import { demoCommand, demoSpec } from './demo.js';
import { disasmCommand, disasmSpec } from './disasm.js';
import { userMessage } from './format.js';
import { infoCommand, infoSpec } from './info.js';
import { type CliIo, processIo } from './io.js';
import { runCommand, runSpec } from './run.js';
import { verifyCommand, verifySpec } from './verify.js';

export const TOOL = 'ebpf-wasm';

interface Command {
  readonly spec: CommandSpec;
  readonly exec: (args: ParsedArgs, io: CliIo) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  { spec: runSpec, exec: runCommand },
  { spec: infoSpec, exec: infoCommand },
  { spec: verifySpec, exec: verifyCommand },
  { spec: compileSpec, exec: compileCommand },
  { spec: asmSpec, exec: asmCommand },
  { spec: disasmSpec, exec: disasmCommand },
  { spec: conformanceSpec, exec: conformanceCommand },
  { spec: benchSpec, exec: benchCommand },
  { spec: demoSpec, exec: demoCommand },
];

export function toolHelp(): string {
  const lines = [
    `Usage: ${TOOL} <command> [options]`,
    '',
    'eBPF to WebAssembly JIT compiler, verifier and reference interpreter.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(14)}${c.spec.summary.split('\n')[0]}`),
    '',
    'Options:',
    '  -h, --help    show this help (also: <command> --help)',
    '  --version     print the version',
  ];
  return lines.join('\n') + '\n';
}

function version(): string {
  // src/cli/ and dist/cli/ are both two levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(toolHelp());
    return 1;
  }
  if (name === '--help' || name === '-h') {
    io.stdout(toolHelp());
    return 0;
  }
  if (name === '--version') {
    io.stdout(`${TOOL} ${version()}\n`);
    return 0;
  }
  if (name === 'help') {
    const sub = COMMANDS.find((c) => c.spec.name === rest[0]);
    io.stdout(sub !== undefined ? commandHelp(TOOL, sub.spec) : toolHelp());
    return 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (command === undefined) {
    throw usageError(
      name.startsWith('-')
        ? `unknown option '${name}' (try --help)`
        : `unknown command '${name}' (try --help)`,
    );
  }
  const args = parseArgs(rest, command.spec);
  if (args.help) {
    io.stdout(commandHelp(TOOL, command.spec));
    return 0;
  }
  return command.exec(args, io);
}

/** Run the tool on `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof BpfError) {
      io.stderr(`${TOOL}: ${userMessage(e)}\n`);
      return 1;
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    io.stderr(`${TOOL}: internal error (please report): ${detail}\n`);
    return 2;
  }
}
