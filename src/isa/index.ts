// The ISA toolkit: opcode table, decoder, encoder (assembler and disassembler join here).
export * from './opcodes.js';
export * from './table.js';
export * from './insn.js';
export { decode, checkTargets } from './decode.js';
export { encode, makeInsn, type InsnFields } from './encode.js';
