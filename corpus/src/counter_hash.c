/* counter_hash.c: tc ingress accounting per source address (IPv4 and IPv6).
 *
 * BPF_MAP_TYPE_HASH maps, one keyed by the 4-byte IPv4 source, one by the
 * 16-byte IPv6 source. A new source is inserted with BPF_NOEXIST; an existing
 * one is updated with __sync_fetch_and_add (BPF_ATOMIC add) because several
 * CPUs may hit the same entry. Sources listed in `ignored` are not counted
 * and are removed from the stats with bpf_map_delete_elem.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct flow_stat {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);
	__type(value, struct flow_stat);
} src4_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct in6_addr);
	__type(value, struct flow_stat);
} src6_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __be32);
	__type(value, __u8);
} ignored SEC(".maps");

static __always_inline void account(void *map, void *key, __u64 len)
{
	struct flow_stat *st = bpf_map_lookup_elem(map, key);

	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, len);
	} else {
		struct flow_stat init = { .packets = 1, .bytes = len };

		bpf_map_update_elem(map, key, &init, BPF_NOEXIST);
	}
}

SEC("tc")
int tc_count_src(struct __sk_buff *skb)
{
	struct cursor c = { (void *)(long)skb->data, (void *)(long)skb->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	struct ipv6hdr *ip6;
	int proto;

	proto = parse_eth(&c, &eth);
	if (proto == ETH_P_IP) {
		__be32 saddr;

		if (parse_ipv4(&c, &ip) < 0)
			return TC_ACT_SHOT;
		saddr = ip->saddr;
		if (bpf_map_lookup_elem(&ignored, &saddr)) {
			bpf_map_delete_elem(&src4_stats, &saddr);
			return TC_ACT_OK;
		}
		account(&src4_stats, &saddr, skb->len);
	} else if (proto == ETH_P_IPV6) {
		struct in6_addr saddr;

		if (parse_ipv6(&c, &ip6) < 0)
			return TC_ACT_SHOT;
		saddr = ip6->saddr;
		account(&src6_stats, &saddr, skb->len);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
