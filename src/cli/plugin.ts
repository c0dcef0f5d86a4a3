// The bpf_conformance_runner plugin protocol (Alan-Jowett/bpf_conformance), one process per test:
//   plugin [MEM_HEX] [options...]
// MEM_HEX is the input memory as hex bytes ("aa  bb  11  "; absent or empty for none); stdin
// carries one line, the program in the same hex format (an ELF object with --elf). The plugin
// prints r0 in hex and exits 0, or prints the error on stderr and exits 1.
// Older runners pass all plugin options as one argument and always pass MEM_HEX; newer ones
// split options on spaces (which can leave empty arguments): both are accepted. The runner has
// no timeout, so every run is bounded by an instruction budget.

import { ENGINE_NAMES, ensureEngine } from '../conformance/engines.js';
import { hex64, parseHexBytes } from '../conformance/hex.js';
import { CONFORMANCE_BUDGET, conformanceVm } from '../conformance/runner.js';
import { BpfError } from '../errors.js';
import { decode } from '../isa/decode.js';
import type { EngineName } from '../runtime/engine.js';
import { isElf } from './input.js';
import type { CliIo } from './io.js';
import { userMessage } from './format.js';

export interface PluginArgs {
  readonly mem: Uint8Array;
  readonly engine: EngineName;
  readonly budget: number;
  /** --elf: stdin is an ELF object. */
  readonly elf: boolean;
  /** False with --no-verify: run the program without verifying it first. */
  readonly verify: boolean;
  /** --program HEX (ubpf's plugin has it): the program instead of stdin. */
  readonly program?: string;
  readonly help: boolean;
}

export const PLUGIN_HELP = `Usage: bpf-conformance-plugin [MEM_HEX] [options]

bpf_conformance_runner plugin: reads the program as hex bytes ("b7  00  00  00 ...") on stdin,
runs it with MEM_HEX as input memory (r1 = its address, r2 = its length) and prints r0 in hex.

Options:
  --engine interp|jit   engine (default interp); --jit and --interpret are aliases
  --budget N            stop after N instructions (default ${CONFORMANCE_BUDGET})
  --program HEX         take the program from HEX instead of stdin
  --no-verify           run without verifying first (the suite tests instructions, not safety)
  --elf                 stdin is an ELF object (not supported yet: refused)
  -h, --help            show this help

Example:
  bpf_conformance_runner --test_file_directory tests --plugin_path bin/bpf-conformance-plugin \\
    --cpu_version v4 --include_groups callx --plugin_options "--engine jit"
`;

function pluginError(detail: string): BpfError {
  return new BpfError('cli', 'USAGE', detail);
}

/** Parse the plugin's arguments (everything after the executable). */
export function parsePluginArgs(argv: readonly string[]): PluginArgs {
  // Older runners hand all options over as one argument: split arguments that start with `-`.
  // Newer ones split on single spaces, which leaves empty arguments: drop them (but an empty
  // first argument is empty memory).
  const words: string[] = [];
  argv.forEach((a, i) => {
    if (a.startsWith('-')) words.push(...a.split(/\s+/).filter((w) => w !== ''));
    else if (i === 0 || a !== '') words.push(a);
  });
  let mem: Uint8Array = new Uint8Array(0);
  let engine: EngineName = 'interp';
  let budget = CONFORMANCE_BUDGET;
  let elf = false;
  let verify = true;
  let help = false;
  let program: string | undefined;
  let i = 0;
  if (words.length > 0 && !(words[0] as string).startsWith('-')) {
    mem = parseHexBytes(words[0] as string, 'memory');
    i = 1;
  }
  const valueOf = (name: string): string => {
    const v = words[++i];
    if (v === undefined) throw pluginError(`${name} needs a value`);
    return v;
  };
  for (; i < words.length; i++) {
    const word = words[i] as string;
    const eq = word.indexOf('=');
    const name = word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word;
    const inline = name !== word ? word.slice(eq + 1) : undefined;
    switch (name) {
      case '--engine': {
        const v = inline ?? valueOf(name);
        if (!(ENGINE_NAMES as readonly string[]).includes(v)) {
          throw pluginError(`--engine must be one of ${ENGINE_NAMES.join(', ')}, not '${v}'`);
        }
        engine = v as EngineName;
        break;
      }
      case '--jit':
        engine = 'jit';
        break;
      case '--interpret':
        engine = 'interp';
        break;
      case '--budget': {
        const v = inline ?? valueOf(name);
        if (!/^[0-9]+$/.test(v))
          throw pluginError(`--budget needs a non-negative integer, not '${v}'`);
        budget = Number(v);
        break;
      }
      case '--program':
        program = inline ?? valueOf(name);
        break;
      case '--elf':
        elf = true;
        break;
      case '--no-verify':
        verify = false;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        // ubpf's plugin refuses arguments it does not know; so do we, naming the argument.
        throw pluginError(`invalid argument '${word}'`);
    }
  }
  return { mem, engine, budget, elf, verify, help, ...(program !== undefined ? { program } : {}) };
}

/** Run one test as the runner asks; `readStdin` supplies the program unless `--program` does. */
export async function pluginMain(
  argv: readonly string[],
  readStdin: () => Promise<string>,
  io: Pick<CliIo, 'stdout' | 'stderr'>,
): Promise<number> {
  // Take the program off stdin before anything can fail: a plugin that exits without reading it
  // breaks the runner's pipe. (`--program` brings it instead, and then stdin may be a terminal.)
  const fromStdin = argv.some((a) => a.split(/\s+/).includes('--program'))
    ? undefined
    : readStdin();
  // An error below may leave it unawaited; its failure then does not matter.
  fromStdin?.catch(() => undefined);
  try {
    const args = parsePluginArgs(argv);
    if (args.help) {
      io.stdout(PLUGIN_HELP);
      return 0;
    }
    if (args.elf) {
      throw new BpfError(
        'load',
        'UNSUPPORTED',
        'ELF input (--elf) is not supported yet: run the runner without --elf',
      );
    }
    const text = args.program ?? (await (fromStdin ?? readStdin()));
    const code = parseHexBytes(text, 'program');
    if (isElf(code)) {
      throw new BpfError(
        'load',
        'UNSUPPORTED',
        'program is an ELF object; ELF input is not supported yet',
      );
    }
    const program = decode(code);
    await ensureEngine(args.engine);
    const vm = conformanceVm(args.engine, args.budget, args.verify);
    vm.load(program);
    io.stdout(hex64(vm.run(args.mem).r0) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof BpfError) {
      io.stderr(`${userMessage(e)}\n`);
      return 1;
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    io.stderr(`internal error: ${detail}\n`);
    return 2;
  }
}

/** All of this process's stdin as text; nothing when stdin is a terminal (nothing was piped). */
export async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
