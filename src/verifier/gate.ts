// The gate every engine path goes through: a program is verified before it is compiled or run,
// unless the caller opted out; and the helper prototypes the verifier checks calls against.

import type { Program } from '../isa/insn.js';
import type { HelperProto } from '../runtime/helper-protos.js';
import type { HelperRegistry } from '../runtime/helpers.js';
import { protoOf } from '../runtime/helpers/protos.js';
import { verify, type VerifyOptions, type VerifyResult } from './verify.js';

/**
 * Prototype lookup for a registry. `standard: true` (objects, where ids mean the kernel's
 * helpers): the kernel's prototype for a registered standard id. Otherwise (the ubpf-like raw
 * Vm, where ids are the user's own): a registered helper has no prototype the verifier could
 * know, so its arguments are not checked (the helper sees only VM memory through checked
 * accessors) and r0 is a scalar. An unregistered id has no prototype: VERIFY_UNKNOWN_HELPER.
 */
export function protoLookup(
  registry: HelperRegistry,
  standard = false,
): (id: number) => HelperProto | undefined {
  return (id) => {
    const def = registry.get(id);
    if (def === undefined) return undefined;
    return (standard ? protoOf(id) : undefined) ?? { id, name: def.name, args: [], ret: 'integer' };
  };
}

/**
 * Throw the VerifyError of a rejected result, its `report` set to the readable rejection report
 * (instruction, register state, path, C line); return an accepted one.
 */
export function throwIfRejected(result: VerifyResult): VerifyResult {
  if (!result.ok && result.error !== undefined) {
    result.error.report = result.log;
    throw result.error;
  }
  return result;
}

/** Verify `program` and throw its VerifyError when it is rejected. */
export function verifyOrThrow(program: Program, opts: VerifyOptions): VerifyResult {
  return throwIfRejected(verify(program, opts));
}
