/* map_in_map.c: per-tenant counters behind BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS.
 *
 * `tenants` (array of maps) is statically initialised by libbpf with two
 * inner arrays, tenant_a and tenant_b; the tenant is the low bit of the IPv4
 * destination address. `by_proto` (hash of maps, u32 key = IP protocol) holds
 * inner hashes keyed by destination port; slot 6 (TCP) is initialised with
 * tcp_ports, other protocols have no inner map and are counted as misses.
 * bpf_map_lookup_elem on the outer map returns the inner map, which is then
 * used like any map.
 */
#include "parse.h"

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_array tenant_a SEC(".maps");
struct inner_array tenant_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_array);
} tenants SEC(".maps") = {
	.values = { &tenant_a, &tenant_b },
};

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);
	__type(value, __u64);
};

struct inner_hash tcp_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_hash);
} by_proto SEC(".maps") = {
	.values = { [IPPROTO_TCP] = &tcp_ports },
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} proto_misses SEC(".maps");

SEC("xdp")
int xdp_tenant_count(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	__u32 tenant, slot, proto, zero = 0;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u64 *cnt, one = 1;
	void *inner;
	int p;

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return XDP_PASS;
	p = parse_ipv4(&c, &ip);
	if (p < 0)
		return XDP_DROP;
	proto = p;
	tenant = bpf_ntohl(ip->daddr) & 1;
	inner = bpf_map_lookup_elem(&tenants, &tenant);
	if (!inner)
		return XDP_ABORTED;
	slot = proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : proto == IPPROTO_ICMP ? 2 : 3;
	cnt = bpf_map_lookup_elem(inner, &slot);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);

	inner = bpf_map_lookup_elem(&by_proto, &proto);
	if (!inner) {
		cnt = bpf_map_lookup_elem(&proto_misses, &zero);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
		return XDP_PASS;
	}
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(&c);
		__u16 port;

		if (!t)
			return XDP_DROP;
		port = bpf_ntohs(t->dest);
		cnt = bpf_map_lookup_elem(inner, &port);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
		else
			bpf_map_update_elem(inner, &port, &one, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
