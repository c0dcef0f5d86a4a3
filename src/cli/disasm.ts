// `ebpf-wasm disasm FILE [--pcs]`: decode a program (raw bytecode, hex words, a .data file, or
// assembly, which comes back normalised) and print it as assembly the assembler reads back.

import { disassemble } from '../isa/disasm.js';
import { type CommandSpec, flagOpt, type ParsedArgs } from './args.js';
import { loadProgram } from './input.js';
import type { CliIo } from './io.js';

export const disasmSpec: CommandSpec = {
  name: 'disasm',
  summary:
    'Disassemble a program.\n' +
    'FILE is raw bytecode (.bin/.o, 8-byte little-endian slots), hex instruction words, a\n' +
    'conformance .data file, or assembly (printed back in canonical form).',
  positionals: [{ name: 'FILE', help: 'the program' }],
  options: [
    { name: 'pcs', help: 'prefix each line with its slot index' },
    { name: 'labels', help: 'name jump and call targets L<pc> instead of +N offsets' },
  ],
  notes: ['Example: ebpf-wasm disasm sum.bin --pcs'],
};

export function disasmCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const { program } = loadProgram(file, io.readFile(file));
  const text = disassemble(program, {
    pcs: flagOpt(args, 'pcs'),
    labels: flagOpt(args, 'labels'),
  });
  io.stdout(text.endsWith('\n') ? text : text + '\n');
  return Promise.resolve(0);
}
