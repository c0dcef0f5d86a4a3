# Fibonacci: returns fib(n) for n = the first input byte (fib(0) = 0, fib(1) = 1), or fib(10)
# when the input is empty. The loop keeps the pair (a, b) in r6, r7.
# Try: ebpf-wasm run corpus/asm/fib.s --mem-hex "5a"   (fib(90) = 0x27f80ddaa1ba7878)
        mov %r3, 10
        jeq %r2, 0, start
        ldxb %r3, [%r1]
start:
        mov %r6, 0              # a = fib(0)
        mov %r7, 1              # b = fib(1)
        jeq %r3, 0, done
next:
        mov %r8, %r6
        add %r8, %r7            # a + b
        mov %r6, %r7
        mov %r7, %r8
        sub %r3, 1
        jne %r3, 0, next
done:
        mov %r0, %r6
        exit
