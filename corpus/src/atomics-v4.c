/* atomics-v4.c: atomics.c built with -mcpu=v4 (same source, v4 instruction set). */
#include "atomics.c"
