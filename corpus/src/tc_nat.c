/* tc_nat.c: stateless load-balancer NAT at tc, with incremental checksums.
 *
 * tc_dnat: traffic to the virtual IP VIP:80/TCP or VIP:53/UDP is rewritten to
 * a backend chosen from the `backends` array by (source address % 4). The
 * destination address and port are written with bpf_skb_store_bytes and both
 * checksums are fixed with bpf_l3_csum_replace and bpf_l4_csum_replace
 * (BPF_F_PSEUDO_HDR for the address, which is part of the TCP/UDP pseudo
 * header; BPF_F_MARK_MANGLED_0 for UDP, whose zero checksum means "none").
 * tc_snat: the reverse direction, replies from a backend get VIP as source.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

#define VIP bpf_htonl(0x0a000064) /* 10.0.0.100 */
#define IP_OFF ETH_HLEN
#define IP_DST_OFF (IP_OFF + offsetof(struct iphdr, daddr))
#define IP_SRC_OFF (IP_OFF + offsetof(struct iphdr, saddr))
#define IP_CSUM_OFF (IP_OFF + offsetof(struct iphdr, check))

struct backend {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} nat_count SEC(".maps");

static __always_inline void count(__u32 dir)
{
	__u64 *v = bpf_map_lookup_elem(&nat_count, &dir);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* Offsets of the L4 port and checksum, or -1 when the protocol is not NATed. */
static __always_inline int l4_offsets(int proto, int l4, int dst, int *port_off, int *csum_off,
				      __u64 *mangled)
{
	if (proto == IPPROTO_TCP) {
		*port_off = l4 + (dst ? offsetof(struct tcphdr, dest) : offsetof(struct tcphdr, source));
		*csum_off = l4 + offsetof(struct tcphdr, check);
		*mangled = 0;
		return 0;
	}
	if (proto == IPPROTO_UDP) {
		*port_off = l4 + (dst ? offsetof(struct udphdr, dest) : offsetof(struct udphdr, source));
		*csum_off = l4 + offsetof(struct udphdr, check);
		*mangled = BPF_F_MARK_MANGLED_0;
		return 0;
	}
	return -1;
}

static __always_inline int rewrite(struct __sk_buff *skb, int addr_off, __be32 old_addr,
				   __be32 new_addr, int port_off, __be16 old_port,
				   __be16 new_port, int csum_off, __u64 mangled)
{
	if (bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr,
				BPF_F_PSEUDO_HDR | mangled | sizeof(new_addr)))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, mangled | sizeof(new_port)))
		return -1;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_addr, new_addr, sizeof(new_addr)))
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, sizeof(new_addr), 0))
		return -1;
	if (bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0))
		return -1;
	return 0;
}

SEC("tc")
int tc_dnat(struct __sk_buff *skb)
{
	struct cursor c = { (void *)(long)skb->data, (void *)(long)skb->data_end };
	int proto, port_off, csum_off, l4;
	struct backend *be;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be16 dport, want;
	__be32 daddr;
	__u64 mangled;
	__u32 idx;

	if (parse_eth(&c, &eth) != ETH_P_IP || c.pos != (void *)(long)skb->data + ETH_HLEN)
		return TC_ACT_OK;
	proto = parse_ipv4(&c, &ip);
	if (proto < 0)
		return TC_ACT_SHOT;
	if (ip->daddr != VIP)
		return TC_ACT_OK;
	l4 = ETH_HLEN + ip->ihl * 4;
	if (l4_offsets(proto, l4, 1, &port_off, &csum_off, &mangled))
		return TC_ACT_OK;
	if (c.pos + 8 > c.end)
		return TC_ACT_SHOT;
	dport = *(__be16 *)(c.pos + 2);
	want = proto == IPPROTO_TCP ? bpf_htons(80) : bpf_htons(53);
	if (dport != want)
		return TC_ACT_OK;
	daddr = ip->daddr;
	idx = bpf_ntohl(ip->saddr) % 4;
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be || !be->addr)
		return TC_ACT_SHOT;
	if (rewrite(skb, IP_DST_OFF, daddr, be->addr, port_off, dport, be->port, csum_off, mangled))
		return TC_ACT_SHOT;
	count(0);
	return TC_ACT_OK;
}

SEC("tc")
int tc_snat(struct __sk_buff *skb)
{
	struct cursor c = { (void *)(long)skb->data, (void *)(long)skb->data_end };
	int proto, port_off, csum_off, l4;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be16 sport, svc;
	__be32 saddr;
	__u64 mangled;

	if (parse_eth(&c, &eth) != ETH_P_IP || c.pos != (void *)(long)skb->data + ETH_HLEN)
		return TC_ACT_OK;
	proto = parse_ipv4(&c, &ip);
	if (proto < 0)
		return TC_ACT_SHOT;
	l4 = ETH_HLEN + ip->ihl * 4;
	if (l4_offsets(proto, l4, 0, &port_off, &csum_off, &mangled))
		return TC_ACT_OK;
	if (c.pos + 8 > c.end)
		return TC_ACT_SHOT;
	saddr = ip->saddr;
	sport = *(__be16 *)c.pos;

	for (__u32 i = 0; i < 4; i++) {
		__u32 key = i;
		struct backend *be = bpf_map_lookup_elem(&backends, &key);

		if (!be || be->addr != saddr || be->port != sport)
			continue;
		svc = proto == IPPROTO_TCP ? bpf_htons(80) : bpf_htons(53);
		if (rewrite(skb, IP_SRC_OFF, saddr, VIP, port_off, sport, svc, csum_off, mangled))
			return TC_ACT_SHOT;
		count(1);
		return TC_ACT_OK;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
