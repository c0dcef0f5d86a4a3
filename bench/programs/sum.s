# Loop summing memory: r0 = sum of the input's 64-bit little-endian words (wrapping).
# r1 = input, r2 = its length in bytes (a multiple of 8).
mov %r0, 0
jeq %r2, 0, done
mov %r3, %r1
add %r3, %r2
loop:
ldxdw %r4, [%r1]
add %r0, %r4
add %r1, 8
jlt %r1, %r3, loop
done:
exit
