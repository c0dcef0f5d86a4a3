// The errno values standard helpers return (negated, as r0), from include/uapi/asm-generic/errno*.h.

export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
