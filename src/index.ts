// The public API of ebpf-wasm, and nothing else. The JIT lives behind its own entry point
// ('ebpf-wasm/jit') because importing binaryen costs ~0.5 s: `await import('ebpf-wasm/jit')`
// registers the 'jit' engine, after which `new Vm({ engine: 'jit' })` works.

// The VM: load and run raw programs (ubpf-like), or open ELF objects with maps and contexts.
export {
  DEFAULT_BUDGET,
  Vm,
  engineNames,
  registerEngine,
  type RunOptions,
  type RunResult,
  type VmOptions,
} from './vm.js';
export {
  ObjectRuntime,
  VmObject,
  type ObjectEngine,
  type ObjectProgram,
  type ObjectRunOptions,
  type ObjectRunResult,
  type OpenOptions,
  type ProgramRunner,
  type RunnerOptions,
} from './runtime/object/index.js';

// Errors: one type with a stage, a code and the instruction index.
export {
  AsmError,
  BpfError,
  CompileError,
  DecodeError,
  ERROR_CODES,
  LoadError,
  RunError,
  VerifyError,
  type ErrorCode,
  type Stage,
} from './errors.js';

// The ISA toolkit: opcode table, decoder, encoder, assembler, disassembler.
export {
  ALL_INSNS,
  Code,
  assemble,
  assembleProgram,
  decode,
  disassemble,
  disassembleInsn,
  encode,
  infoOf,
  makeInsn,
  type Insn,
  type InsnInfo,
  type Program,
} from './isa/index.js';

// Loading objects and verifying programs.
export {
  findProgram,
  helpersUsed,
  lineOf,
  loadObject,
  type BpfObject,
  type BpfProgram,
} from './elf/index.js';
export { verify, type VerifyOptions, type VerifyResult } from './verifier/index.js';

// Runtime pieces a host uses: helpers, maps, memory, engines.
export { HelperCall, HelperRegistry, type HelperDef, type HelperFn } from './runtime/helpers.js';
export {
  HELPER_PROTOS,
  helperId,
  helperName,
  registerStandardHelpers,
  type HostEnv,
} from './runtime/helpers/index.js';
export {
  BpfMap,
  MapSet,
  PerfReader,
  RingBufferReader,
  UpdateFlag,
  type MapDef,
} from './runtime/maps/index.js';
export { VmMemory, type Region } from './runtime/memory.js';
export type { Engine, EngineName, Executable, TraceStep, TraceSink } from './runtime/engine.js';
