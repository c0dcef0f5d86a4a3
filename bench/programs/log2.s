# Integer log2: r0 = the sum over the input's 64-bit words of floor(log2(x)) (0 for x = 0), each
# found by the classic branchy binary search over bit positions: six shift-and-test steps
# (32, 16, 8, 4, 2, 1), each keeping the shifted value when its high part is not zero.
mov %r0, 0
jeq %r2, 0, done
mov %r3, %r1
add %r3, %r2
loop:
ldxdw %r4, [%r1]
mov %r5, 0
mov %r6, %r4
rsh %r6, 32
jeq %r6, 0, s16
mov %r4, %r6
add %r5, 32
s16:
mov %r6, %r4
rsh %r6, 16
jeq %r6, 0, s8
mov %r4, %r6
add %r5, 16
s8:
mov %r6, %r4
rsh %r6, 8
jeq %r6, 0, s4
mov %r4, %r6
add %r5, 8
s4:
mov %r6, %r4
rsh %r6, 4
jeq %r6, 0, s2
mov %r4, %r6
add %r5, 4
s2:
mov %r6, %r4
rsh %r6, 2
jeq %r6, 0, s1
mov %r4, %r6
add %r5, 2
s1:
mov %r6, %r4
rsh %r6, 1
jeq %r6, 0, acc
add %r5, 1
acc:
add %r0, %r5
add %r1, 8
jlt %r1, %r3, loop
done:
exit
