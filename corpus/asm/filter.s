# A packet filter on an Ethernet frame (r1 = frame, r2 = length): returns 1 for IPv4 TCP to
# port 80, 0 for anything else. Every load is bounds-checked against the length first, as the
# kernel verifier would insist.
# Try: ebpf-wasm run corpus/asm/filter.s --mem-hex "$(cat corpus/asm/filter.mem)"   (0x1)
        mov %r0, 0
        jlt %r2, 34, out        # Ethernet (14) + minimal IPv4 header (20)
        ldxh %r3, [%r1+12]      # EtherType
        be16 %r3
        jne %r3, 0x0800, out    # not IPv4
        ldxb %r4, [%r1+23]      # IPv4 protocol
        jne %r4, 6, out         # not TCP
        ldxb %r4, [%r1+14]      # version and IHL
        and %r4, 0x0f
        lsh %r4, 2              # IPv4 header length in bytes
        add %r4, 14             # offset of the TCP header
        mov %r5, %r2
        sub %r5, 4
        jgt %r4, %r5, out       # TCP ports not inside the frame (offset + 4 > length)
        add %r1, %r4
        ldxh %r3, [%r1+2]       # destination port
        be16 %r3
        jne %r3, 80, out
        mov %r0, 1
out:
        exit
