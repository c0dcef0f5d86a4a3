// Objects at run time: a loaded ELF object's programs sharing one memory and one MapSet.

export {
  DEFAULT_OBJECT_BUDGET,
  VmObject,
  type EngineResolver,
  type ObjectProgram,
  type ObjectRunOptions,
  type ObjectRunResult,
  type OpenOptions,
} from './object.js';
export { checkHelpers, helpersOf, missingHelpers, nameOfHelper, relocate } from './relocate.js';
export type { MissingHelper } from './relocate.js';
export { MAX_TAIL_CALL_CNT, TAIL_CALL_HELPER, TailCall } from './tail-call.js';
