# Branch tree / switch dispatch: for each input byte, a binary tree of compares on (byte & 7)
# picks one of eight updates of the accumulator.
mov %r0, 0
jeq %r2, 0, done
mov %r3, %r1
add %r3, %r2
loop:
ldxb %r4, [%r1]
and %r4, 7
jgt %r4, 3, hi
jgt %r4, 1, c23
jeq %r4, 1, c1
add %r0, 1
ja next
c1:
mul %r0, 3
ja next
c23:
jeq %r4, 3, c3
xor %r0, 0x5a5a
ja next
c3:
lsh %r0, 1
ja next
hi:
jgt %r4, 5, c67
jeq %r4, 5, c5
sub %r0, 7
ja next
c5:
rsh %r0, 1
ja next
c67:
jeq %r4, 7, c7
add %r0, 0x1234
ja next
c7:
xor %r0, -1
next:
add %r1, 1
jlt %r1, %r3, loop
done:
exit
