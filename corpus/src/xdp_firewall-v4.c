/* xdp_firewall-v4.c: xdp_firewall.c built with -mcpu=v4 (same source, v4 instruction set). */
#include "xdp_firewall.c"
