/* xdp_firewall.c: XDP packet parser and firewall with LPM-trie deny lists.
 *
 * Parses Ethernet (with up to two VLAN tags), IPv4 (with options) and IPv6,
 * then TCP, UDP and ICMP/ICMPv6. A frame is dropped when its source address
 * falls in a prefix of `deny_v4` / `deny_v6` (BPF_MAP_TYPE_LPM_TRIE, longest
 * prefix match; the value is the rule id whose hit counter is bumped), when
 * its TCP/UDP destination port is in `blocked_ports`, or when an IP header
 * is truncated. ICMP echo requests are rate-free but counted separately.
 * Non-IP frames pass. `verdicts` counts every decision.
 */
#include "parse.h"
#include <linux/icmpv6.h>

struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

enum { V_PASS, V_DROP_V4, V_DROP_V6, V_DROP_PORT, V_DROP_MALFORMED, V_ICMP_ECHO, V_NON_IP, V_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} deny_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, __u32);
} deny_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u16);
	__type(value, __u32);
} blocked_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, V_MAX);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} rule_hits SEC(".maps");

static __always_inline int verdict(__u32 v, int action)
{
	__u64 *cnt = bpf_map_lookup_elem(&verdicts, &v);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return action;
}

static __always_inline void hit_rule(__u32 *rule)
{
	__u32 id = *rule;
	__u64 *cnt = bpf_map_lookup_elem(&rule_hits, &id);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
}

/* Returns the destination port in host order, 0 for portless protocols, -1 if truncated. */
static __always_inline int l4_port(struct cursor *c, int proto, int *echo)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(c);

		return t ? bpf_ntohs(t->dest) : -1;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *u = parse_udp(c);

		return u ? bpf_ntohs(u->dest) : -1;
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		struct icmphdr *ic = c->pos;

		if ((void *)(ic + 1) > c->end)
			return -1;
		*echo = ic->type == ICMP_ECHO || ic->type == ICMPV6_ECHO_REQUEST;
	}
	return 0;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	int proto, port, echo = 0;
	__u32 *rule;
	__u16 key;

	proto = parse_eth(&c, &eth);
	if (proto < 0)
		return verdict(V_DROP_MALFORMED, XDP_DROP);

	if (proto == ETH_P_IP) {
		struct lpm_v4_key k = { .prefixlen = 32 };
		struct iphdr *ip;

		proto = parse_ipv4(&c, &ip);
		if (proto < 0)
			return verdict(V_DROP_MALFORMED, XDP_DROP);
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		rule = bpf_map_lookup_elem(&deny_v4, &k);
		if (rule) {
			hit_rule(rule);
			return verdict(V_DROP_V4, XDP_DROP);
		}
	} else if (proto == ETH_P_IPV6) {
		struct lpm_v6_key k = { .prefixlen = 128 };
		struct ipv6hdr *ip6;

		proto = parse_ipv6(&c, &ip6);
		if (proto < 0)
			return verdict(V_DROP_MALFORMED, XDP_DROP);
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		rule = bpf_map_lookup_elem(&deny_v6, &k);
		if (rule) {
			hit_rule(rule);
			return verdict(V_DROP_V6, XDP_DROP);
		}
	} else {
		return verdict(V_NON_IP, XDP_PASS);
	}

	port = l4_port(&c, proto, &echo);
	if (port < 0)
		return verdict(V_DROP_MALFORMED, XDP_DROP);
	key = port;
	if (port && bpf_map_lookup_elem(&blocked_ports, &key))
		return verdict(V_DROP_PORT, XDP_DROP);
	if (echo)
		return verdict(V_ICMP_ECHO, XDP_PASS);
	return verdict(V_PASS, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
