# Block copy: the input is a source half and a destination half (r2 / 2 bytes each, a multiple
# of 8). Copy the source over the destination with 8-byte loads and stores, then return a
# checksum of three destination words (first, middle, last) so the copy is observable:
# r0 = (first * 31 + middle) * 31 + last, where middle is at (half / 2) rounded down to 8.
mov %r0, 0
mov %r5, %r2
rsh %r5, 1
jeq %r5, 0, done
mov %r3, %r1
mov %r7, %r1
add %r7, %r5
mov %r4, %r7
loop:
ldxdw %r6, [%r3]
stxdw [%r4], %r6
add %r3, 8
add %r4, 8
jlt %r3, %r7, loop
# r7 = destination, r5 = its length
ldxdw %r0, [%r7]
mul %r0, 31
mov %r8, %r5
rsh %r8, 1
and %r8, -8
add %r8, %r7
ldxdw %r6, [%r8]
add %r0, %r6
mul %r0, 31
mov %r8, %r7
add %r8, %r5
ldxdw %r6, [%r8-8]
add %r0, %r6
done:
exit
