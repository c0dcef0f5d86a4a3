/* lru_flows.c: connection tracking table for TCP/UDP over IPv4 in an LRU hash.
 *
 * BPF_MAP_TYPE_LRU_HASH keyed by the 5-tuple; the kernel evicts the least
 * recently used flow when the table is full, so no garbage collector is
 * needed. The state records packets, bytes and the union of TCP flags seen;
 * a TCP RST or FIN+ACK ends the flow (entry deleted). The program returns
 * TC_ACT_OK for known flows and for new flows opened with SYN or UDP, and
 * TC_ACT_SHOT for a TCP segment of an unknown flow that is not a SYN.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_state {
	__u64 packets;
	__u64 bytes;
	__u32 tcp_flags;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} flows SEC(".maps");

SEC("tc")
int tc_conntrack(struct __sk_buff *skb)
{
	struct cursor c = { (void *)(long)skb->data, (void *)(long)skb->data_end };
	struct flow_key key = {};
	struct flow_state *st;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 flags = 0;
	int proto;

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return TC_ACT_OK;
	proto = parse_ipv4(&c, &ip);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(&c);

		if (!t)
			return TC_ACT_SHOT;
		key.sport = t->source;
		key.dport = t->dest;
		flags = ((__u8 *)t)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *u = parse_udp(&c);

		if (!u)
			return TC_ACT_SHOT;
		key.sport = u->source;
		key.dport = u->dest;
	} else {
		return TC_ACT_OK;
	}
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.proto = proto;

	st = bpf_map_lookup_elem(&flows, &key);
	if (!st) {
		struct flow_state init = { .packets = 1, .bytes = skb->len, .tcp_flags = flags };

		/* TCP: only a SYN without ACK may open a flow */
		if (proto == IPPROTO_TCP && (flags & 0x12) != 0x02)
			return TC_ACT_SHOT;
		bpf_map_update_elem(&flows, &key, &init, BPF_ANY);
		return TC_ACT_OK;
	}
	st->packets++;
	st->bytes += skb->len;
	st->tcp_flags |= flags;
	/* RST (0x04) or FIN+ACK (0x11) closes the connection */
	if ((flags & 0x04) || (flags & 0x11) == 0x11)
		bpf_map_delete_elem(&flows, &key);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
