/* tail_calls.c: a protocol dispatcher built from tail calls through a prog array.
 *
 * xdp_dispatch looks at the ethertype and tail-calls slot 0 (xdp_ipv4) or
 * slot 1 (xdp_ipv6) of `jmp_table` (BPF_MAP_TYPE_PROG_ARRAY); xdp_ipv4
 * tail-calls slot 2 (xdp_tcp) for TCP. Each stage counts itself in `hits`.
 * When a slot is empty, bpf_tail_call returns and the caller goes on: that
 * path is counted as a miss and the frame passes (slot 3 is left empty for
 * UDP). xdp_chain tail-calls slot 4 (xdp_chain_step), which bumps a counter
 * and tail-calls slot 4 again until the kernel's limit of 33 tail calls stops
 * it: the counter then shows how many calls the kernel allowed.
 */
#include "parse.h"

enum { HIT_DISPATCH, HIT_IPV4, HIT_IPV6, HIT_TCP, HIT_MISS, HIT_CHAIN, HIT_MAX };
enum { SLOT_IPV4, SLOT_IPV6, SLOT_TCP, SLOT_UDP, SLOT_CHAIN };

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} jmp_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HIT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void hit(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	hit(HIT_DISPATCH);
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		bpf_tail_call(ctx, &jmp_table, SLOT_IPV4);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		bpf_tail_call(ctx, &jmp_table, SLOT_IPV6);
	else
		return XDP_PASS;
	hit(HIT_MISS);
	return XDP_PASS;
}

SEC("xdp")
int xdp_ipv4(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	int proto;

	hit(HIT_IPV4);
	if (parse_eth(&c, &eth) != ETH_P_IP)
		return XDP_DROP;
	proto = parse_ipv4(&c, &ip);
	if (proto < 0)
		return XDP_DROP;
	if (proto == IPPROTO_TCP)
		bpf_tail_call(ctx, &jmp_table, SLOT_TCP);
	else if (proto == IPPROTO_UDP)
		bpf_tail_call(ctx, &jmp_table, SLOT_UDP);
	else
		return XDP_PASS;
	hit(HIT_MISS);
	return XDP_PASS;
}

SEC("xdp")
int xdp_ipv6(struct xdp_md *ctx)
{
	hit(HIT_IPV6);
	return XDP_PASS;
}

SEC("xdp")
int xdp_tcp(struct xdp_md *ctx)
{
	hit(HIT_TCP);
	return XDP_TX;
}

SEC("xdp")
int xdp_chain(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, SLOT_CHAIN);
	return XDP_ABORTED;
}

SEC("xdp")
int xdp_chain_step(struct xdp_md *ctx)
{
	hit(HIT_CHAIN);
	bpf_tail_call(ctx, &jmp_table, SLOT_CHAIN);
	/* reached only when the tail-call limit is exhausted */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
