// The shape in which each helper group hands its helpers to registerStandardHelpers: the kernel
// name (ids come from ids.ts, so a group cannot get an id wrong) and the implementation.

import type { HelperFn } from '../helpers.js';
import type { HelperName } from './ids.js';

export interface HelperImpl {
  readonly name: HelperName;
  readonly fn: HelperFn;
}
