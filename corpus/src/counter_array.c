/* counter_array.c: XDP packet and byte counters per IP protocol.
 *
 * One BPF_MAP_TYPE_ARRAY slot per IPv4/IPv6 L4 protocol number (256 slots);
 * non-IP frames are counted in slot 255 (IPPROTO_RAW). Every frame passes.
 * Covers: array lookup returning a pointer into the map value, in-place
 * increments, Ethernet/VLAN/IPv4/IPv6 parsing.
 */
#include "parse.h"

struct proto_stat {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct proto_stat);
} proto_stats SEC(".maps");

SEC("xdp")
int xdp_count_proto(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	struct ipv6hdr *ip6;
	struct proto_stat *st;
	__u32 key = IPPROTO_RAW;
	int proto;

	proto = parse_eth(&c, &eth);
	if (proto == ETH_P_IP) {
		proto = parse_ipv4(&c, &ip);
		if (proto >= 0)
			key = proto;
	} else if (proto == ETH_P_IPV6) {
		proto = parse_ipv6(&c, &ip6);
		if (proto >= 0)
			key = proto;
	}

	st = bpf_map_lookup_elem(&proto_stats, &key);
	if (!st)
		return XDP_ABORTED;
	st->packets += 1;
	st->bytes += ctx->data_end - ctx->data;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
