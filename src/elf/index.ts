// The ELF/BTF loader: BPF objects as clang writes them -> BpfObject (programs, maps, line info).

export { loadObject, findProgram, lineOf, helpersUsed } from './object.js';
export type { BpfObject, BpfProgram, LoadOptions } from './object.js';
export { BUILTINS, R_BPF } from './reloc.js';
export type { BuiltinName, ProgramReloc } from './reloc.js';
export { MAP_TYPES, mapTypeName, BPF_F_RDONLY_PROG } from './maps-def.js';
export type { MapDef, MapInitialValue, MapTypeName } from './maps-def.js';
export { PROG_TYPES, progTypeId, progTypeOfSection } from './prog-type.js';
export type { ProgType } from './prog-type.js';
export type { LineRecord } from './btf-ext.js';
export type { Btf, BtfType, BtfKind } from './btf.js';
