/* counter_percpu.c: per-CPU receive statistics, as a NIC driver's XDP hook keeps them.
 *
 * A BPF_MAP_TYPE_PERCPU_ARRAY holds global totals (no atomics needed: each CPU
 * owns its slot) and a BPF_MAP_TYPE_PERCPU_HASH holds bytes per ethertype,
 * inserted on first sight with BPF_NOEXIST. Every frame passes.
 */
#include "parse.h"

enum { STAT_PACKETS, STAT_BYTES, STAT_IPV4, STAT_IPV6, STAT_OTHER, STAT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} rx_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u16);
	__type(value, __u64);
} ethertype_bytes SEC(".maps");

static __always_inline void bump(__u32 idx, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&rx_stats, &idx);

	if (v)
		*v += by;
}

SEC("xdp")
int xdp_percpu_stats(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	__u64 len = ctx->data_end - ctx->data;
	struct ethhdr *eth;
	__u64 *bytes;
	__u16 key;
	int proto;

	bump(STAT_PACKETS, 1);
	bump(STAT_BYTES, len);

	proto = parse_eth(&c, &eth);
	if (proto < 0)
		return XDP_PASS;
	if (proto == ETH_P_IP)
		bump(STAT_IPV4, 1);
	else if (proto == ETH_P_IPV6)
		bump(STAT_IPV6, 1);
	else
		bump(STAT_OTHER, 1);

	key = proto;
	bytes = bpf_map_lookup_elem(&ethertype_bytes, &key);
	if (bytes) {
		*bytes += len;
	} else {
		bpf_map_update_elem(&ethertype_bytes, &key, &len, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
