# Hash table in the input: an open-addressing table of 4096 slots (u64 key, u64 value; key 0 =
# empty) with linear probing and a multiplicative hash (slot = key * 0x9e3779b97f4a7c15 >> 52).
# Input layout: N (u32) at 0, M (u32) at 4, the table at 16 (64 KiB), then N distinct non-zero
# keys to insert (the i-th, from 0, gets the value i + 1), then M keys to look up.
# The table is cleared first, so every run does the same work.
# r0 = (hits << 32) + (sum of the values found, low 32 bits).
mov %r6, %r1
add %r6, 16
mov %r3, %r6
mov %r4, %r6
add %r4, 65536
clear:
stdw [%r3], 0
stdw [%r3+8], 0
add %r3, 16
jlt %r3, %r4, clear
lddw %r9, 0x9e3779b97f4a7c15
# r7 = the keys to insert, r8 = their end
mov %r7, %r4
ldxw %r8, [%r1]
lsh %r8, 3
add %r8, %r7
mov %r0, 0
jge %r7, %r8, lookups
insert:
ldxdw %r3, [%r7]
add %r0, 1
mov %r4, %r3
mul %r4, %r9
rsh %r4, 52
probe_insert:
mov %r5, %r4
lsh %r5, 4
add %r5, %r6
ldxdw %r2, [%r5]
jeq %r2, 0, store_key
jeq %r2, %r3, store_value
add %r4, 1
and %r4, 4095
ja probe_insert
store_key:
stxdw [%r5], %r3
store_value:
stxdw [%r5+8], %r0
add %r7, 8
jlt %r7, %r8, insert
lookups:
# r7 = the keys to look up, r8 = their end; r0 = sum of values found, r1 = hits
ldxw %r8, [%r1+4]
lsh %r8, 3
add %r8, %r7
mov %r0, 0
mov %r1, 0
jge %r7, %r8, fin
lookup:
ldxdw %r3, [%r7]
mov %r4, %r3
mul %r4, %r9
rsh %r4, 52
probe_lookup:
mov %r5, %r4
lsh %r5, 4
add %r5, %r6
ldxdw %r2, [%r5]
jeq %r2, %r3, hit
jeq %r2, 0, miss
add %r4, 1
and %r4, 4095
ja probe_lookup
hit:
add %r1, 1
ldxdw %r2, [%r5+8]
add %r0, %r2
miss:
add %r7, 8
jlt %r7, %r8, lookup
fin:
mov32 %r0, %r0
lsh %r1, 32
add %r0, %r1
exit
