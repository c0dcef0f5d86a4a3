/* xdp_redirect.c: bpf_redirect_map through a devmap, a devmap_hash and a cpumap.
 *
 * xdp_redirect_port: IPv4/IPv6 TCP and UDP frames are redirected through the
 * devmap `tx_port` at slot (destination port & 7), falling back to XDP_PASS
 * for an empty slot; frames to the Ethernet broadcast address are sent to
 * every port of the map (BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS), which
 * succeeds even when the slot named is empty.
 * xdp_redirect_dst: IPv4 frames are redirected through the devmap_hash
 * `tx_by_dst`, keyed by the destination address; unknown destinations are
 * dropped (fallback XDP_DROP), other frames pass.
 * xdp_redirect_cpu: frames are steered to a CPU of the cpumap `cpu_map` by the
 * low bit of the IPv4 source address (XDP_PASS when that CPU has no queue);
 * IPv6 frames ask for a broadcast, which a cpumap does not support: the
 * kernel answers XDP_ABORTED.
 *
 * Every verdict is counted in `verdicts` (index = XDP action).
 * BPF_PROG_TEST_RUN sends nothing: it returns the verdict (XDP_REDIRECT = 4)
 * and the frame unchanged.
 */
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_by_dst SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpu_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline int count(long action)
{
	__u32 key = (__u32)action;
	__u64 *n = bpf_map_lookup_elem(&verdicts, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return (int)action;
}

/* Destination port in host order, or -1 when the frame is not TCP/UDP. */
static __always_inline int dest_port(struct cursor *c, int l4)
{
	if (l4 == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(c);

		return t ? bpf_ntohs(t->dest) : -1;
	}
	if (l4 == IPPROTO_UDP) {
		struct udphdr *u = parse_udp(c);

		return u ? bpf_ntohs(u->dest) : -1;
	}
	return -1;
}

SEC("xdp")
int xdp_redirect_port(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	int proto, l4, port;

	proto = parse_eth(&c, &eth);
	if (proto < 0)
		return count(XDP_DROP);
	if (eth->h_dest[0] == 0xff && eth->h_dest[1] == 0xff && eth->h_dest[2] == 0xff &&
	    eth->h_dest[3] == 0xff && eth->h_dest[4] == 0xff && eth->h_dest[5] == 0xff)
		return count(bpf_redirect_map(&tx_port, 7,
					      BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS));
	if (proto == ETH_P_IP) {
		struct iphdr *ip;

		l4 = parse_ipv4(&c, &ip);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6;

		l4 = parse_ipv6(&c, &ip6);
	} else {
		return count(XDP_PASS);
	}
	port = dest_port(&c, l4);
	if (port < 0)
		return count(XDP_PASS);
	return count(bpf_redirect_map(&tx_port, port & 7, XDP_PASS));
}

SEC("xdp")
int xdp_redirect_dst(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return count(XDP_PASS);
	if (parse_ipv4(&c, &ip) < 0)
		return count(XDP_DROP);
	return count(bpf_redirect_map(&tx_by_dst, ip->daddr, XDP_DROP));
}

SEC("xdp")
int xdp_redirect_cpu(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	int proto;

	proto = parse_eth(&c, &eth);
	if (proto == ETH_P_IPV6)
		return count(bpf_redirect_map(&cpu_map, 0, BPF_F_BROADCAST | XDP_PASS));
	if (proto != ETH_P_IP || parse_ipv4(&c, &ip) < 0)
		return count(XDP_PASS);
	return count(bpf_redirect_map(&cpu_map, bpf_ntohl(ip->saddr) & 1, XDP_PASS));
}

char LICENSE[] SEC("license") = "GPL";
