// `ebpf-wasm asm FILE [-o OUT]`: assemble text to bytecode. With -o the bytecode is written to
// OUT (little-endian 8-byte slots, what `run` and `disasm` read back); without, each slot is
// printed as a 64-bit hex word, the form of a .data file's `-- raw` section.

import { hexWord, bytesToWords } from '../conformance/hex.js';
import { parseDataFile } from '../conformance/data-file.js';
import { programOfTest } from '../conformance/runner.js';
import { BpfError } from '../errors.js';
import { assemble } from '../isa/asm.js';
import { encode } from '../isa/encode.js';
import { type CommandSpec, type ParsedArgs, stringOpt } from './args.js';
import type { CliIo } from './io.js';

export const asmSpec: CommandSpec = {
  name: 'asm',
  summary:
    'Assemble a program to bytecode.\n' +
    'FILE is assembly text, or a conformance .data file (its program). Without -o, print one\n' +
    '64-bit little-endian instruction word per line in hex.',
  positionals: [{ name: 'FILE', help: 'assembly source' }],
  options: [
    {
      name: 'output',
      short: 'o',
      value: 'string',
      valueName: 'OUT',
      help: 'write bytecode to OUT',
    },
  ],
  notes: ['Example: ebpf-wasm asm corpus/asm/sum.s -o sum.bin'],
};

function textOf(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new BpfError('load', 'BAD_INPUT', `${path} is not a text file`, { cause });
  }
}

export function asmCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const text = textOf(file, io.readFile(file));
  const bytes = file.endsWith('.data')
    ? encode(programOfTest(parseDataFile(text)).insns)
    : assemble(text);
  const out = stringOpt(args, 'output');
  if (out !== undefined) io.writeFile(out, bytes);
  else io.stdout(bytesToWords(bytes).map(hexWord).join('\n') + '\n');
  return Promise.resolve(0);
}
