/* mem_builtins.c: memset/memcpy through clang builtins, as a reflector would use them.
 *
 * xdp_reflect: a UDP echo reflector. Swaps Ethernet and IPv4/IPv6 addresses
 * and UDP ports with __builtin_memcpy through stack temporaries (clang expands
 * these into loads and stores; there is no libc in BPF), and returns XDP_TX.
 * Swapping addresses and ports does not change the one's complement sums, so
 * no checksum update is needed. The last reflected header block is saved
 * into `last_hdr` after clearing the value with __builtin_memset. Only UDP to
 * port 7 (echo) is reflected; everything else passes.
 */
#include "parse.h"

struct hdr_copy {
	__u8 eth[14];
	__u8 pad[2];
	__u8 ip[40];
	__u8 udp[8];
	__u32 family;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hdr_copy);
} last_hdr SEC(".maps");

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct hdr_copy *save;
	struct ethhdr *eth;
	struct udphdr *udp;
	__u32 zero = 0;
	__be16 port;
	int proto;

	proto = parse_eth(&c, &eth);
	if (proto == ETH_P_IP) {
		struct iphdr *ip;
		__be32 a;

		if (parse_ipv4(&c, &ip) != IPPROTO_UDP || ip->ihl != 5)
			return XDP_PASS;
		udp = parse_udp(&c);
		if (!udp || udp->dest != bpf_htons(7))
			return XDP_PASS;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		save = bpf_map_lookup_elem(&last_hdr, &zero);
		if (save) {
			__builtin_memset(save, 0, sizeof(*save));
			__builtin_memcpy(save->ip, ip, 20);
			save->family = 4;
		}
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6;
		struct in6_addr a;

		if (parse_ipv6(&c, &ip6) != IPPROTO_UDP)
			return XDP_PASS;
		udp = parse_udp(&c);
		if (!udp || udp->dest != bpf_htons(7))
			return XDP_PASS;
		__builtin_memcpy(&a, &ip6->saddr, sizeof(a));
		__builtin_memcpy(&ip6->saddr, &ip6->daddr, sizeof(a));
		__builtin_memcpy(&ip6->daddr, &a, sizeof(a));
		save = bpf_map_lookup_elem(&last_hdr, &zero);
		if (save) {
			__builtin_memset(save, 0, sizeof(*save));
			__builtin_memcpy(save->ip, ip6, 40);
			save->family = 6;
		}
	} else {
		return XDP_PASS;
	}
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	swap_mac(eth);
	if (save) {
		__builtin_memcpy(save->eth, eth, 14);
		__builtin_memcpy(save->udp, udp, 8);
		save->len = ctx->data_end - ctx->data;
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
