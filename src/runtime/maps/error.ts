// The error a host-side map operation throws when the map returns -errno (full map, missing key,
// bad flags...). `errno` is the positive kernel value, so callers can tell E2BIG from ENOENT.

import { BpfError } from '../../errors.js';
import { errnoName } from './types.js';

export class MapError extends BpfError {
  override readonly name = 'MapError';
  constructor(
    readonly map: string,
    readonly op: string,
    readonly errno: number,
  ) {
    super('run', 'MAP_ERROR', `map ${map}: ${op} failed with -${errnoName(errno)}`);
  }
}
