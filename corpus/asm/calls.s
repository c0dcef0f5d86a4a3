# bpf-to-bpf calls: main calls `square` for two numbers and adds the results; `square` keeps a
# value on its own 512-byte stack frame to show that each call gets one, and r6-r9 are
# callee-saved (main's r6 survives the calls). Returns 3*3 + 4*4 = 25 (0x19).
        mov %r6, 0
        mov %r1, 3
        call local square
        add %r6, %r0
        mov %r1, 4
        call local square
        add %r6, %r0
        mov %r0, %r6
        exit
square:
        stxdw [%r10-8], %r1     # spill the argument to this frame
        mov %r6, 1000           # clobber r6: the caller must not see it
        ldxdw %r0, [%r10-8]
        mul %r0, %r0
        exit
