/* bpf2bpf-v4.c: bpf2bpf.c built with -mcpu=v4 (same source, v4 instruction set). */
#include "bpf2bpf.c"
