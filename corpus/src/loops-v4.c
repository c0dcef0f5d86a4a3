/* loops-v4.c: loops.c built with -mcpu=v4 (same source, v4 instruction set). */
#include "loops.c"
