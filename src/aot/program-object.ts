// A program outside any object (assembly, bytecode) as a one-program object without maps, so it
// compiles to the same AOT module format as an ELF object. No binaryen here: the CLI builds such
// objects before it knows whether it will compile.

import type { BpfObject } from '../elf/object.js';
import { type ProgType, progTypeId } from '../elf/prog-type.js';
import { encode } from '../isa/encode.js';
import type { Program } from '../isa/insn.js';

/** `program` as the one program of an object; type 'unspec' runs it on raw input memory. */
export function programObject(
  program: Program,
  opts: { readonly name?: string; readonly type?: ProgType } = {},
): BpfObject {
  const type = opts.type ?? 'unspec';
  return {
    programs: [
      {
        name: opts.name ?? 'main',
        section: '',
        type,
        typeId: progTypeId(type),
        insns: encode(program.insns),
        relocations: [],
      },
    ],
    maps: [],
    license: '',
    version: 0,
  };
}
