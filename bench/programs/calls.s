# Local-call chain: main calls f1 once per round (the input's first 32-bit word), f1 calls f2,
# f2 calls f3, f3 calls f4: five frames deep, each function keeping a value on its own stack
# and in a callee-saved register across its call.
ldxw %r6, [%r1]
mov %r7, 0
jeq %r6, 0, done
loop:
mov %r1, %r7
mov %r2, %r6
call local f1
add %r7, %r0
sub %r6, 1
jne %r6, 0, loop
done:
mov %r0, %r7
exit
f1:
stxdw [%r10-8], %r1
mov %r6, %r2
add %r1, %r2
call local f2
ldxdw %r1, [%r10-8]
xor %r0, %r1
add %r0, %r6
exit
f2:
stxdw [%r10-16], %r2
mov %r6, %r1
lsh %r1, 1
call local f3
ldxdw %r2, [%r10-16]
sub %r0, %r2
xor %r0, %r6
exit
f3:
stxw [%r10-4], %r1
mov %r6, %r1
add %r2, 3
call local f4
ldxw %r1, [%r10-4]
add %r0, %r1
mul %r0, %r6
exit
f4:
mov %r0, %r1
mul %r0, 31
add %r0, %r2
exit
