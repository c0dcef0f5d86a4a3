// The verifier: only verified code is compiled. `verify(program, opts)` runs the structural
// checks and the abstract interpretation and says whether the program is safe, and if not, why.
export { verify, COMPLEXITY_LIMIT, type VerifyOptions, type VerifyResult } from './verify.js';
export { checkStructure, checkStackDepth, type Structure, type Subprog } from './structure.js';
export { regText, stateText } from './log.js';
export { protoLookup, throwIfRejected, verifyOrThrow } from './gate.js';
