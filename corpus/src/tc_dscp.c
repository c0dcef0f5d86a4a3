/* tc_dscp.c: DSCP marking at tc egress with skb_load_bytes / skb_store_bytes.
 *
 * Reads the IPv4 header with bpf_skb_load_bytes (works on non-linear skbs,
 * unlike direct access), looks up the DSCP for the UDP/TCP destination port
 * in `dscp_by_port`, writes the new TOS byte with bpf_skb_store_bytes and
 * fixes the header checksum with bpf_l3_csum_replace on the 16-bit word that
 * holds version/ihl/tos. IPv6 traffic class is rewritten likewise (no IPv6
 * header checksum). A random sample of packets (bpf_get_prandom_u32) is
 * logged with bpf_printk; the sample decision never changes the verdict or
 * the recorded maps. Returns TC_ACT_OK, or TC_ACT_SHOT for truncated headers.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u16);
	__type(value, __u8);
} dscp_by_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} remarked SEC(".maps");

static __always_inline void bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&remarked, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tc")
int tc_set_dscp(struct __sk_buff *skb)
{
	__u16 ports[2], dport;
	__u8 *dscp;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		__u16 old_word, new_word;
		__u8 tos;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
			return TC_ACT_SHOT;
		if (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP)
			return TC_ACT_OK;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + ip.ihl * 4, ports, sizeof(ports)) < 0)
			return TC_ACT_SHOT;
		dport = bpf_ntohs(ports[1]);
		dscp = bpf_map_lookup_elem(&dscp_by_port, &dport);
		if (!dscp)
			return TC_ACT_OK;
		tos = (*dscp << 2) | (ip.tos & 3);
		if (tos == ip.tos)
			return TC_ACT_OK;
		old_word = *(__u16 *)&ip;
		((__u8 *)&ip)[1] = tos;
		new_word = *(__u16 *)&ip;
		if (bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old_word,
					new_word, 2))
			return TC_ACT_SHOT;
		if (bpf_skb_store_bytes(skb, ETH_HLEN + 1, &tos, 1, 0))
			return TC_ACT_SHOT;
		bump(0);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u8 first[2];

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0)
			return TC_ACT_SHOT;
		if (ip6.nexthdr != IPPROTO_TCP && ip6.nexthdr != IPPROTO_UDP)
			return TC_ACT_OK;
		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6), ports, sizeof(ports)) < 0)
			return TC_ACT_SHOT;
		dport = bpf_ntohs(ports[1]);
		dscp = bpf_map_lookup_elem(&dscp_by_port, &dport);
		if (!dscp)
			return TC_ACT_OK;
		/* traffic class straddles the first two bytes: vvvvtttt ttttffff */
		__builtin_memcpy(first, &ip6, 2);
		first[0] = (first[0] & 0xf0) | (*dscp >> 2);
		first[1] = (first[1] & 0x3f) | ((*dscp & 3) << 6);
		if (bpf_skb_store_bytes(skb, ETH_HLEN, first, 2, 0))
			return TC_ACT_SHOT;
		bump(1);
	} else {
		return TC_ACT_OK;
	}
	if ((bpf_get_prandom_u32() & 0xff) == 0)
		bpf_printk("tc_dscp: remarked port %d", dport);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
