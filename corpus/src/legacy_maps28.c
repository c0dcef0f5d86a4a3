/* legacy_maps28.c: legacy "maps" section with 28-byte entries, socket filter.
 *
 * The 28-byte struct bpf_map_def of later kernels' samples adds inner_map_idx
 * and numa_node to the 20-byte form. The loader derives the entry size from
 * the section size divided by the number of map symbols in it.
 * sock_len_hist: socket filter that keeps every packet and builds a histogram
 * of packet lengths (bucket = len / 64, capped at 15) in a per-CPU array,
 * plus a total in a plain array; IPv6 packets are cut to 64 bytes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bpf_map_def_28 {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
	unsigned int inner_map_idx;
	unsigned int numa_node;
};

struct bpf_map_def_28 SEC("maps") len_hist = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_map_def_28 SEC("maps") totals = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

SEC("socket")
int sock_len_hist(struct __sk_buff *skb)
{
	__u32 bucket = skb->len / 64, zero = 0, one = 1;
	__u64 *v;

	if (bucket > 15)
		bucket = 15;
	v = bpf_map_lookup_elem(&len_hist, &bucket);
	if (v)
		*v += 1;
	v = bpf_map_lookup_elem(&totals, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&totals, &one);
	if (v)
		__sync_fetch_and_add(v, skb->len);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return 64;
	return skb->len;
}

char _license[] SEC("license") = "GPL";
