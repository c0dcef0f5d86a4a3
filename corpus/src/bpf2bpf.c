/* bpf2bpf.c: bpf-to-bpf calls into .text subprograms, several programs per section.
 *
 * classify() and fold() are static __noinline functions: clang emits them
 * once in .text and the programs reach them with BPF_CALL (src = 1,
 * pc-relative). mix() is a global function, which the kernel verifies on its
 * own (scalar arguments only). Pointers to the caller's stack are passed down
 * (struct pkt_info), the callee's own stack frame is separate, and r6-r9 must
 * survive each call. Two XDP programs share the "xdp" section and a tc
 * program reuses the same subprograms.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct pkt_info {
	__u32 proto;
	__u32 l4_proto;
	__u32 len;
	__u32 sport;
	__u32 dport;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

static __noinline int classify(void *data, void *end, struct pkt_info *info)
{
	struct cursor c = { data, end };
	struct ethhdr *eth;
	struct iphdr *ip;
	int proto;

	info->len = end - data;
	proto = parse_eth(&c, &eth);
	if (proto < 0)
		return -1;
	info->proto = proto;
	if (proto != ETH_P_IP)
		return 0;
	proto = parse_ipv4(&c, &ip);
	if (proto < 0)
		return -1;
	info->l4_proto = proto;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		__be16 *ports = c.pos;

		if ((void *)(ports + 2) > end)
			return -1;
		info->sport = bpf_ntohs(ports[0]);
		info->dport = bpf_ntohs(ports[1]);
	}
	return 1;
}

__noinline __u32 mix(__u32 a, __u32 b)
{
	a ^= b;
	a *= 0x9e3779b1;
	a ^= a >> 15;
	return a + b;
}

static __noinline __u64 fold(const struct pkt_info *info, __u32 seed)
{
	__u32 h = seed;

	h = mix(h, info->proto);
	h = mix(h, info->l4_proto);
	h = mix(h, (info->sport << 16) | info->dport);
	return ((__u64)h << 32) | info->len;
}

static __noinline void store(__u32 slot, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&results, &slot);

	if (p)
		*p = v;
}

SEC("xdp")
int xdp_hash_flow(struct xdp_md *ctx)
{
	struct pkt_info info = {};
	int r = classify((void *)(long)ctx->data, (void *)(long)ctx->data_end, &info);

	if (r < 0)
		return XDP_DROP;
	store(0, fold(&info, 1));
	store(1, info.dport);
	return r ? XDP_PASS : XDP_TX;
}

SEC("xdp")
int xdp_port_parity(struct xdp_md *ctx)
{
	struct pkt_info info = {};
	int r = classify((void *)(long)ctx->data, (void *)(long)ctx->data_end, &info);

	if (r <= 0)
		return XDP_PASS;
	store(2, mix(info.sport, info.dport));
	return (info.dport & 1) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int tc_hash_flow(struct __sk_buff *skb)
{
	struct pkt_info info = {};
	int r = classify((void *)(long)skb->data, (void *)(long)skb->data_end, &info);

	if (r < 0)
		return TC_ACT_SHOT;
	store(3, fold(&info, skb->len));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
