# Arithmetic mix: rounds of xorshift64, multiply, 64-bit unsigned and signed division,
# 32-bit modulo and arithmetic shift. The round count is the input's first 32-bit word.
ldxw %r6, [%r1]
lddw %r0, 0x9e3779b97f4a7c15
mov %r7, 12345
mov %r8, 0
jeq %r6, 0, done
loop:
# x ^= x << 13; x ^= x >> 7; x ^= x << 17
mov %r3, %r0
lsh %r3, 13
xor %r0, %r3
mov %r3, %r0
rsh %r3, 7
xor %r0, %r3
mov %r3, %r0
lsh %r3, 17
xor %r0, %r3
# y = y * 0x5bd1e995 + x
mul %r7, 0x5bd1e995
add %r7, %r0
# acc += x / (y | 1)
mov %r4, %r7
or %r4, 1
mov %r5, %r0
div %r5, %r4
add %r8, %r5
# acc = (u32)(acc + (u32)x % 1000003)
mov32 %r5, %r0
mod32 %r5, 1000003
add32 %r8, %r5
# acc ^= (y >> 3 arithmetic) / 7 signed
mov %r5, %r7
arsh %r5, 3
sdiv %r5, 7
xor %r8, %r5
sub %r6, 1
jne %r6, 0, loop
done:
xor %r0, %r7
xor %r0, %r8
exit
