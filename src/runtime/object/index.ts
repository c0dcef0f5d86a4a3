// Objects at run time: a loaded ELF object's programs sharing one memory and one MapSet.

export {
  isPacketLoadAt,
  VmObject,
  type EngineResolver,
  type ObjectProgram,
  type OpenOptions,
} from './object.js';
export {
  DEFAULT_OBJECT_BUDGET,
  ObjectRuntime,
  packetFaultExits,
  type ObjectEngine,
  type ObjectRunOptions,
  type ObjectRunResult,
  type RuntimeOptions,
  type RuntimeProgram,
  type SourceLine,
} from './runtime.js';
export { stackFramesOf } from './frames.js';
export { checkHelpers, helpersOf, missingHelpers, nameOfHelper, relocate } from './relocate.js';
export type { MissingHelper } from './relocate.js';
export { MAX_TAIL_CALL_CNT, TAIL_CALL_HELPER, TailCall, TailCallState } from './tail-call.js';
export { ProgramRunner, type RunnerBinding, type RunnerOptions } from './runner.js';
