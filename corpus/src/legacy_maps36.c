/* legacy_maps36.c: iproute2-style legacy maps (struct bpf_elf_map, 36 bytes), tc classifier.
 *
 * tc's own loader used a 36-byte map description in SEC("maps"): the 20-byte
 * core plus id, pinning, inner_id and inner_idx. The program sits in the old
 * "classifier" section name. cls_mark_by_port: sets skb->mark and
 * skb->priority from a port -> class hash (UDP/TCP destination port, IPv4
 * only, read with bpf_skb_load_bytes) and counts the classes it used.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

struct bpf_elf_map SEC("maps") port_class = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u16),
	.size_value = sizeof(__u32),
	.max_elem = 64,
};

struct bpf_elf_map SEC("maps") class_hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 8,
};

SEC("classifier")
int cls_mark_by_port(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u16 ports[2], dport;
	__u32 *cls, c;
	__u64 *hits;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return TC_ACT_SHOT;
	if (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + ip.ihl * 4, ports, sizeof(ports)) < 0)
		return TC_ACT_SHOT;
	dport = bpf_ntohs(ports[1]);
	cls = bpf_map_lookup_elem(&port_class, &dport);
	c = cls ? *cls & 7 : 0;
	skb->mark = 0x100 | c;
	skb->priority = c;
	hits = bpf_map_lookup_elem(&class_hits, &c);
	if (hits)
		__sync_fetch_and_add(hits, 1);
	return c == 7 ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
