/* signext-v4.c: signed arithmetic that -mcpu=v4 compiles to the v4 instructions.
 *
 * Reads signed 8/16/32-bit fields from a UDP payload (sign-extending loads
 * LDXSB/LDXSH/LDXSW), widens signed values held in registers (MOVSX8/16/32),
 * divides and takes remainders of signed values (SDIV/SMOD, 32 and 64 bit),
 * and byte-swaps unconditionally (BSWAP16/32/64, class ALU64). The 12 results
 * land in `sx_out`. Payload layout: s8 a, s8 b, s16 c, s32 d, s64 e; the
 * divisors are forced non-zero so the results are defined; the return value
 * depends on the sign of the quotient a*c / b.
 */
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __s64);
} sx_out SEC(".maps");

struct payload {
	__s8 a;
	__s8 b;
	__s16 c;
	__s32 d;
	__s64 e;
} __attribute__((packed));

static __always_inline void out(__u32 slot, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&sx_out, &slot);

	if (p)
		*p = v;
}

SEC("xdp")
int xdp_signext(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	volatile struct payload *pl;
	struct ethhdr *eth;
	struct iphdr *ip;
	__s64 a, b, cc, d, e, q;
	__s32 d32, b32;

	if (parse_eth(&c, &eth) != ETH_P_IP || parse_ipv4(&c, &ip) != IPPROTO_UDP ||
	    !parse_udp(&c))
		return XDP_PASS;
	pl = c.pos;
	if ((void *)(pl + 1) > c.end)
		return XDP_DROP;
	a = pl->a;
	b = pl->b;
	cc = pl->c;
	d = pl->d;
	e = pl->e;
	if (b == 0)
		b = -3;
	d32 = (__s32)d;
	b32 = (__s32)b;

	q = (a * cc) / b;
	out(0, q);
	out(1, (a * cc) % b);
	out(2, d32 / b32);
	out(3, d32 % b32);
	out(4, e / (b | 1));
	out(5, e % (b | 1));
	out(6, (__s8)(e >> 3));
	out(7, (__s16)(d >> 5));
	out(8, (__s32)(e >> 7));
	out(9, __builtin_bswap16((__u16)cc));
	out(10, __builtin_bswap32((__u32)d));
	out(11, __builtin_bswap64((__u64)e));
	return q < 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
