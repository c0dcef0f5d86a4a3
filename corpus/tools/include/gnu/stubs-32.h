/* Empty stand-in for glibc's gnu/stubs-32.h.
 * <linux/icmp.h> pulls in <sys/socket.h>; glibc's stubs.h then asks for the
 * 32-bit stub list because the bpf target does not define __x86_64__. The file
 * only lists unimplemented libc functions, none of which BPF code calls. It is
 * searched last (-idirafter), so a real one from libc6-dev-i386 wins. */
