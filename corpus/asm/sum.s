# Sum of the input bytes: r1 = input, r2 = its length; returns the sum in r0.
# Try: ebpf-wasm run corpus/asm/sum.s --mem-hex "01 02 03 04"   (prints 0xa)
        mov %r0, 0
        jeq %r2, 0, done        # empty input: sum is 0
loop:
        ldxb %r3, [%r1]
        add %r0, %r3
        add %r1, 1
        sub %r2, 1
        jne %r2, 0, loop
done:
        exit
