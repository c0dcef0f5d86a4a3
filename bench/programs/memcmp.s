# Compare: r0 = index of the first byte where the input's two halves differ (r2 / 2 bytes each,
# a multiple of 8), or the half length when they are equal. Eight bytes at a time; in the first
# differing word the lowest differing byte (little-endian: the first in memory) is found by
# shifting the xor of the two words right one byte at a time.
mov %r5, %r2
rsh %r5, 1
mov %r0, %r5
jeq %r5, 0, done
mov %r3, %r1
mov %r7, %r1
add %r7, %r5
mov %r4, %r7
loop:
ldxdw %r6, [%r3]
ldxdw %r8, [%r4]
jne %r6, %r8, differ
add %r3, 8
add %r4, 8
jlt %r3, %r7, loop
ja done
differ:
mov %r0, %r3
sub %r0, %r1
xor %r6, %r8
byte:
mov %r9, %r6
and %r9, 0xff
jne %r9, 0, done
rsh %r6, 8
add %r0, 1
ja byte
done:
exit
