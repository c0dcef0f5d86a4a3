# 64-way switch: for each input byte b, (b & 63) picks one of 64 arms through a balanced tree
# of compares (six levels), as clang emits a dense switch without a jump table; each arm is a
# different small update of the accumulator r0 (r5 = the byte itself). Arm v, by v & 7:
#   0: r0 += v*37+1        1: r0 ^= v*0x1111+7      2: r0 *= 2v+3        3: r0 -= v*13+5
#   4: r0 <<= v%5+1        5: r0 >>= v%3+1          6: r0 = (r0+b) ^ v   7: r0 ^= r0 >> (v%7+3)
mov %r0, 0
jeq %r2, 0, done
mov %r3, %r1
add %r3, %r2
loop:
ldxb %r5, [%r1]
mov %r4, %r5
and %r4, 63
jgt %r4, 31, t32_63
jgt %r4, 15, t16_31
jgt %r4, 7, t8_15
jgt %r4, 3, t4_7
jgt %r4, 1, t2_3
jgt %r4, 0, t1_1
c0:
add %r0, 1
ja next
t1_1:
c1:
xor %r0, 4376
ja next
t2_3:
jgt %r4, 2, t3_3
c2:
mul %r0, 7
ja next
t3_3:
c3:
sub %r0, 44
ja next
t4_7:
jgt %r4, 5, t6_7
jgt %r4, 4, t5_5
c4:
lsh %r0, 5
ja next
t5_5:
c5:
rsh %r0, 3
ja next
t6_7:
jgt %r4, 6, t7_7
c6:
add %r0, %r5
xor %r0, 6
ja next
t7_7:
c7:
mov %r6, %r0
rsh %r6, 3
xor %r0, %r6
ja next
t8_15:
jgt %r4, 11, t12_15
jgt %r4, 9, t10_11
jgt %r4, 8, t9_9
c8:
add %r0, 297
ja next
t9_9:
c9:
xor %r0, 39328
ja next
t10_11:
jgt %r4, 10, t11_11
c10:
mul %r0, 23
ja next
t11_11:
c11:
sub %r0, 148
ja next
t12_15:
jgt %r4, 13, t14_15
jgt %r4, 12, t13_13
c12:
lsh %r0, 3
ja next
t13_13:
c13:
rsh %r0, 2
ja next
t14_15:
jgt %r4, 14, t15_15
c14:
add %r0, %r5
xor %r0, 14
ja next
t15_15:
c15:
mov %r6, %r0
rsh %r6, 4
xor %r0, %r6
ja next
t16_31:
jgt %r4, 23, t24_31
jgt %r4, 19, t20_23
jgt %r4, 17, t18_19
jgt %r4, 16, t17_17
c16:
add %r0, 593
ja next
t17_17:
c17:
xor %r0, 74280
ja next
t18_19:
jgt %r4, 18, t19_19
c18:
mul %r0, 39
ja next
t19_19:
c19:
sub %r0, 252
ja next
t20_23:
jgt %r4, 21, t22_23
jgt %r4, 20, t21_21
c20:
lsh %r0, 1
ja next
t21_21:
c21:
rsh %r0, 1
ja next
t22_23:
jgt %r4, 22, t23_23
c22:
add %r0, %r5
xor %r0, 22
ja next
t23_23:
c23:
mov %r6, %r0
rsh %r6, 5
xor %r0, %r6
ja next
t24_31:
jgt %r4, 27, t28_31
jgt %r4, 25, t26_27
jgt %r4, 24, t25_25
c24:
add %r0, 889
ja next
t25_25:
c25:
xor %r0, 109232
ja next
t26_27:
jgt %r4, 26, t27_27
c26:
mul %r0, 55
ja next
t27_27:
c27:
sub %r0, 356
ja next
t28_31:
jgt %r4, 29, t30_31
jgt %r4, 28, t29_29
c28:
lsh %r0, 4
ja next
t29_29:
c29:
rsh %r0, 3
ja next
t30_31:
jgt %r4, 30, t31_31
c30:
add %r0, %r5
xor %r0, 30
ja next
t31_31:
c31:
mov %r6, %r0
rsh %r6, 6
xor %r0, %r6
ja next
t32_63:
jgt %r4, 47, t48_63
jgt %r4, 39, t40_47
jgt %r4, 35, t36_39
jgt %r4, 33, t34_35
jgt %r4, 32, t33_33
c32:
add %r0, 1185
ja next
t33_33:
c33:
xor %r0, 144184
ja next
t34_35:
jgt %r4, 34, t35_35
c34:
mul %r0, 71
ja next
t35_35:
c35:
sub %r0, 460
ja next
t36_39:
jgt %r4, 37, t38_39
jgt %r4, 36, t37_37
c36:
lsh %r0, 2
ja next
t37_37:
c37:
rsh %r0, 2
ja next
t38_39:
jgt %r4, 38, t39_39
c38:
add %r0, %r5
xor %r0, 38
ja next
t39_39:
c39:
mov %r6, %r0
rsh %r6, 7
xor %r0, %r6
ja next
t40_47:
jgt %r4, 43, t44_47
jgt %r4, 41, t42_43
jgt %r4, 40, t41_41
c40:
add %r0, 1481
ja next
t41_41:
c41:
xor %r0, 179136
ja next
t42_43:
jgt %r4, 42, t43_43
c42:
mul %r0, 87
ja next
t43_43:
c43:
sub %r0, 564
ja next
t44_47:
jgt %r4, 45, t46_47
jgt %r4, 44, t45_45
c44:
lsh %r0, 5
ja next
t45_45:
c45:
rsh %r0, 1
ja next
t46_47:
jgt %r4, 46, t47_47
c46:
add %r0, %r5
xor %r0, 46
ja next
t47_47:
c47:
mov %r6, %r0
rsh %r6, 8
xor %r0, %r6
ja next
t48_63:
jgt %r4, 55, t56_63
jgt %r4, 51, t52_55
jgt %r4, 49, t50_51
jgt %r4, 48, t49_49
c48:
add %r0, 1777
ja next
t49_49:
c49:
xor %r0, 214088
ja next
t50_51:
jgt %r4, 50, t51_51
c50:
mul %r0, 103
ja next
t51_51:
c51:
sub %r0, 668
ja next
t52_55:
jgt %r4, 53, t54_55
jgt %r4, 52, t53_53
c52:
lsh %r0, 3
ja next
t53_53:
c53:
rsh %r0, 3
ja next
t54_55:
jgt %r4, 54, t55_55
c54:
add %r0, %r5
xor %r0, 54
ja next
t55_55:
c55:
mov %r6, %r0
rsh %r6, 9
xor %r0, %r6
ja next
t56_63:
jgt %r4, 59, t60_63
jgt %r4, 57, t58_59
jgt %r4, 56, t57_57
c56:
add %r0, 2073
ja next
t57_57:
c57:
xor %r0, 249040
ja next
t58_59:
jgt %r4, 58, t59_59
c58:
mul %r0, 119
ja next
t59_59:
c59:
sub %r0, 772
ja next
t60_63:
jgt %r4, 61, t62_63
jgt %r4, 60, t61_61
c60:
lsh %r0, 1
ja next
t61_61:
c61:
rsh %r0, 2
ja next
t62_63:
jgt %r4, 62, t63_63
c62:
add %r0, %r5
xor %r0, 62
ja next
t63_63:
c63:
mov %r6, %r0
rsh %r6, 3
xor %r0, %r6
next:
add %r1, 1
jlt %r1, %r3, loop
done:
exit
