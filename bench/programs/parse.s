# Packet parsing: the input is a sequence of records, each a u16 length (little-endian) and that
# many bytes of an Ethernet frame. Every frame is parsed with a bounds check before each header
# is read, as an XDP program must: Ethernet, any number of VLAN tags (0x88a8 or 0x8100 first,
# then 0x8100), IPv4 (IHL checked, options skipped) or IPv6 (fixed header), then TCP or UDP,
# whose source and destination ports are summed. Counters live on the stack (as a C program's
# would, spilled): -8 ipv4, -16 ipv6, -24 tcp, -32 udp, -40 vlan tags, -48 malformed (a header
# past the frame's end), -56 other (not IP, or neither TCP nor UDP). A record longer than what
# is left stops the walk. r0 = the counters in that order, then the port sum, folded as
# r0 = r0 * 1000003 + c.
# r6 = next record, r7 = input end, r3 = frame start, r8 = frame end, r4 = header cursor,
# r5 = ethertype / protocol, r9 = port sum, r0 scratch until the end.
stdw [%r10-8], 0
stdw [%r10-16], 0
stdw [%r10-24], 0
stdw [%r10-32], 0
stdw [%r10-40], 0
stdw [%r10-48], 0
stdw [%r10-56], 0
mov %r9, 0
mov %r6, %r1
mov %r7, %r1
add %r7, %r2
next:
mov %r3, %r6
add %r3, 2
jgt %r3, %r7, fin
ldxh %r8, [%r6]
add %r8, %r3
jgt %r8, %r7, fin
mov %r6, %r8
# Ethernet
mov %r4, %r3
add %r4, 14
jgt %r4, %r8, bad
ldxh %r5, [%r3+12]
be16 %r5
jeq %r5, 0x88a8, vlan
jeq %r5, 0x8100, vlan
ja l3
vlan:
ldxdw %r0, [%r10-40]
add %r0, 1
stxdw [%r10-40], %r0
mov %r0, %r4
add %r0, 4
jgt %r0, %r8, bad
ldxh %r5, [%r4+2]
be16 %r5
mov %r4, %r0
jeq %r5, 0x8100, vlan
l3:
jeq %r5, 0x0800, ipv4
jeq %r5, 0x86dd, ipv6
ja other
ipv4:
mov %r0, %r4
add %r0, 20
jgt %r0, %r8, bad
ldxb %r0, [%r4]
and %r0, 15
lsh %r0, 2
jlt %r0, 20, bad
ldxb %r5, [%r4+9]
add %r4, %r0
jgt %r4, %r8, bad
ldxdw %r0, [%r10-8]
add %r0, 1
stxdw [%r10-8], %r0
ja l4
ipv6:
mov %r0, %r4
add %r0, 40
jgt %r0, %r8, bad
ldxb %r5, [%r4+6]
mov %r4, %r0
ldxdw %r0, [%r10-16]
add %r0, 1
stxdw [%r10-16], %r0
l4:
jeq %r5, 6, tcp
jeq %r5, 17, udp
ja other
tcp:
mov %r0, %r4
add %r0, 20
jgt %r0, %r8, bad
ldxdw %r0, [%r10-24]
add %r0, 1
stxdw [%r10-24], %r0
ja ports
udp:
mov %r0, %r4
add %r0, 8
jgt %r0, %r8, bad
ldxdw %r0, [%r10-32]
add %r0, 1
stxdw [%r10-32], %r0
ports:
ldxh %r0, [%r4]
be16 %r0
add %r9, %r0
ldxh %r0, [%r4+2]
be16 %r0
add %r9, %r0
ja next
other:
ldxdw %r0, [%r10-56]
add %r0, 1
stxdw [%r10-56], %r0
ja next
bad:
ldxdw %r0, [%r10-48]
add %r0, 1
stxdw [%r10-48], %r0
ja next
fin:
ldxdw %r0, [%r10-8]
mul %r0, 1000003
ldxdw %r1, [%r10-16]
add %r0, %r1
mul %r0, 1000003
ldxdw %r1, [%r10-24]
add %r0, %r1
mul %r0, 1000003
ldxdw %r1, [%r10-32]
add %r0, %r1
mul %r0, 1000003
ldxdw %r1, [%r10-40]
add %r0, %r1
mul %r0, 1000003
ldxdw %r1, [%r10-48]
add %r0, %r1
mul %r0, 1000003
ldxdw %r1, [%r10-56]
add %r0, %r1
mul %r0, 1000003
add %r0, %r9
exit
