/* legacy_maps20.c: old-style map definitions in the "maps" section, 20-byte entries.
 *
 * Before BTF-defined maps, programs described maps with struct bpf_map_def
 * (type, key_size, value_size, max_entries, map_flags: 5 x u32 = 20 bytes)
 * placed in SEC("maps"); the loader reads the entries back by symbol and
 * patches the ld_imm64 relocations with map fds. libbpf 1.x refuses this
 * layout, so the corpus tools load it with their own bpf() loader.
 * xdp_legacy_count: counts frames per ethertype class in an array and
 * remembers the last frame length per source MAC byte in a hash.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bpf_map_def_20 {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def_20 SEC("maps") class_count = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

struct bpf_map_def_20 SEC("maps") last_len = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u8),
	.value_size = sizeof(__u32),
	.max_entries = 256,
};

SEC("xdp")
int xdp_legacy_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 cls, len = end - data;
	__u64 *cnt;
	__u8 mac;

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		cls = 0;
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		cls = 1;
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		cls = 2;
	else
		cls = 3;
	cnt = bpf_map_lookup_elem(&class_count, &cls);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	mac = eth->h_source[5];
	bpf_map_update_elem(&last_len, &mac, &len, BPF_ANY);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
