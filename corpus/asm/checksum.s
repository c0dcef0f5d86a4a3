# IPv4 header checksum (RFC 1071) over the input, which must be a 20-byte IPv4 header whose
# checksum field (bytes 10-11) is zero: returns the checksum to store there, in network order
# as a 16-bit number. Words are loaded little-endian and swapped with be16.
# Try: ebpf-wasm run corpus/asm/checksum.s \
#        --mem-hex "45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7"   (0xb861)
        mov %r0, 0
        jlt %r2, 20, bad        # too short for an IPv4 header
        mov %r3, 0              # offset
sum:
        mov %r4, %r1
        add %r4, %r3
        ldxh %r5, [%r4]
        be16 %r5                # to host order
        add %r0, %r5
        add %r3, 2
        jlt %r3, 20, sum
        # Ten 16-bit words sum to less than 2^20: two end-around-carry folds are enough, and
        # straight-line folds (rather than a loop until no carry) let the verifier see the end.
        mov %r4, %r0
        rsh %r4, 16
        and %r0, 0xffff
        add %r0, %r4            # end-around carry
        mov %r4, %r0
        rsh %r4, 16
        and %r0, 0xffff
        add %r0, %r4
        xor %r0, 0xffff         # ones' complement
        exit
bad:
        mov %r0, -1
        exit
