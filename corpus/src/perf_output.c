/* perf_output.c: packet sampling to user space through a perf event array.
 *
 * tc_sample: for each IPv4 packet, bpf_perf_event_output(skb, ...) sends a
 * small metadata record followed by the first 32 bytes of the packet (the
 * byte count goes in the upper 32 bits of the flags; the kernel appends them
 * from the skb). xdp_sample does the same from XDP. BPF_F_CURRENT_CPU selects
 * the perf buffer of the running CPU; helper errors (e.g. -ENOENT when no
 * reader has installed a buffer for that CPU) are counted in `perf_errors`.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct sample_meta {
	__u32 magic;
	__u32 pkt_len;
	__u32 sample_len;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} perf_errors SEC(".maps");

static __always_inline void count_error(__u32 idx, long err)
{
	__u64 *v;

	if (!err)
		return;
	v = bpf_map_lookup_elem(&perf_errors, &idx);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tc")
int tc_sample(struct __sk_buff *skb)
{
	struct sample_meta meta = { .magic = 0xfeedf00d };
	__u64 cap;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	cap = skb->len < 32 ? skb->len : 32;
	meta.pkt_len = skb->len;
	meta.sample_len = cap;
	meta.proto = bpf_ntohs(skb->protocol);
	count_error(0, bpf_perf_event_output(skb, &samples, BPF_F_CURRENT_CPU | (cap << 32),
					     &meta, sizeof(meta)));
	return TC_ACT_OK;
}

SEC("xdp")
int xdp_sample(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct sample_meta meta = { .magic = 0xcafe0001 };
	struct ethhdr *eth = data;
	__u64 len = end - data;
	__u64 cap = len < 32 ? len : 32;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	meta.pkt_len = len;
	meta.sample_len = cap;
	meta.proto = ETH_P_IP;
	count_error(1, bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU | (cap << 32),
					     &meta, sizeof(meta)));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
