// The ISA toolkit: opcode table, decoder, encoder, assembler and disassembler.
export * from './opcodes.js';
export * from './table.js';
export * from './insn.js';
export { decode, checkTargets } from './decode.js';
export { encode, makeInsn, type InsnFields } from './encode.js';
export { assemble, assembleProgram, LDDW_SRC_NAMES } from './asm.js';
export {
  disassemble,
  disassembleInsn,
  targetOf,
  type DisasmInsnOptions,
  type DisasmOptions,
} from './disasm.js';
