/* loops.c: bounded loops, as the verifier has accepted them since Linux 5.3, and bpf_loop.
 *
 * xdp_payload_sum: a real (not unrolled) `for` loop with a constant bound
 * sums up to 64 payload bytes after the UDP header, checking data_end on each
 * step. xdp_ipv6_exthdr: a bounded loop walks up to 4 IPv6 extension headers
 * (hop-by-hop, routing, destination options) to find the upper-layer protocol.
 * xdp_collatz: bpf_loop() runs a callback (a static subprogram taking a
 * pointer to the caller's stack) as many times as the first payload byte
 * says; the callback stops early by returning 1. Results go to `loop_out`.
 */
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} loop_out SEC(".maps");

static __always_inline void put(__u32 slot, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&loop_out, &slot);

	if (p)
		*p = v;
}

static __always_inline void *udp_payload(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return 0;
	if (parse_ipv4(&c, &ip) != IPPROTO_UDP)
		return 0;
	if (!parse_udp(&c))
		return 0;
	return c.pos;
}

SEC("xdp")
int xdp_payload_sum(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = udp_payload(ctx);
	__u64 sum = 0, n = 0;

	if (!p)
		return XDP_PASS;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 64; i++) {
		if ((void *)(p + i + 1) > end)
			break;
		sum = sum * 31 + p[i];
		n++;
	}
	put(0, sum);
	put(1, n);
	return XDP_PASS;
}

SEC("xdp")
int xdp_ipv6_exthdr(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	int nh, depth = 0;

	if (parse_eth(&c, &eth) != ETH_P_IPV6)
		return XDP_PASS;
	nh = parse_ipv6(&c, &ip6);
	if (nh < 0)
		return XDP_DROP;
#pragma clang loop unroll(disable)
	for (int i = 0; i < 4; i++) {
		struct ipv6_opt_hdr *h = c.pos;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
			break;
		if ((void *)(h + 1) > c.end)
			return XDP_DROP;
		nh = h->nexthdr;
		c.pos += (h->hdrlen + 1) * 8;
		depth++;
	}
	put(2, ((__u64)depth << 8) | nh);
	return nh == IPPROTO_TCP || nh == IPPROTO_UDP || nh == IPPROTO_ICMPV6 ? XDP_PASS : XDP_DROP;
}

struct collatz_ctx {
	__u64 n;
	__u64 steps;
};

static int collatz_step(__u32 index, struct collatz_ctx *st)
{
	if (st->n <= 1)
		return 1;
	st->n = (st->n & 1) ? 3 * st->n + 1 : st->n / 2;
	st->steps++;
	return 0;
}

SEC("xdp")
int xdp_collatz(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = udp_payload(ctx);
	struct collatz_ctx st = {};
	long loops;

	if (!p || (void *)(p + 2) > end)
		return XDP_PASS;
	st.n = p[1];
	loops = bpf_loop(p[0], collatz_step, &st, 0);
	put(3, (st.steps << 32) | (__u32)loops);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
