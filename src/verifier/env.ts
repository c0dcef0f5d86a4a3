// What every checker of one verification shares: the program and its structure, the program
// type's context layout, the maps, the helper prototypes, the id generator and the per-subprogram
// stack depth the walk measures. `fail` is how a checker rejects the program.

import type { LineRecord } from '../elf/btf-ext.js';
import type { MapDef } from '../elf/maps-def.js';
import { type ErrorCode, VerifyError } from '../errors.js';
import type { Program } from '../isa/insn.js';
import type { ContextLayout } from '../runtime/context/types.js';
import type { HelperProto } from '../runtime/helper-protos.js';
import type { Structure } from './structure.js';

export interface Env {
  readonly program: Program;
  readonly structure: Structure;
  readonly progType: string;
  /** Undefined: r1 is raw memory of `memSize` bytes (program types without a context). */
  readonly layout: ContextLayout | undefined;
  readonly memSize: number;
  readonly maps: readonly MapDef[];
  readonly helper: (id: number) => HelperProto | undefined;
  readonly lineInfo: readonly LineRecord[] | undefined;
  /** Deepest stack byte used, per subprogram. */
  readonly stackDepth: number[];
  /** Call instructions that call back into a subprogram (bpf_loop): prune points of their own. */
  readonly callbackSites: Set<number>;
  nextId: number;
}

export const newId = (env: Env): number => ++env.nextId;

/** Reject the program at `pc`. */
export function fail(code: ErrorCode, detail: string, pc: number): never {
  throw new VerifyError(code, detail, { insn: pc });
}
