# CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of the input, one bit at a time.
mov32 %r0, -1
lddw %r7, 0xedb88320
jeq %r2, 0, fin
mov %r3, %r1
add %r3, %r2
byte:
ldxb %r4, [%r1]
xor32 %r0, %r4
mov %r5, 8
bit:
mov32 %r6, %r0
and32 %r6, 1
rsh32 %r0, 1
jeq %r6, 0, skip
xor32 %r0, %r7
skip:
sub %r5, 1
jne %r5, 0, bit
add %r1, 1
jlt %r1, %r3, byte
fin:
xor32 %r0, -1
exit
