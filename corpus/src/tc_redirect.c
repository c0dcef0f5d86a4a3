/* tc_redirect.c: forwarding by destination address with bpf_redirect at tc ingress.
 *
 * `routes` maps an IPv4 destination to an egress ifindex and a next-hop MAC;
 * on a hit the program rewrites the Ethernet destination with
 * bpf_skb_store_bytes, decrements the TTL (fixing the checksum with
 * bpf_l3_csum_replace) and returns bpf_redirect(ifindex, 0), i.e.
 * TC_ACT_REDIRECT. TTL <= 1 is dropped. A miss is logged with bpf_printk
 * (trace_printk) and passes to the stack. bpf_get_prandom_u32 picks which
 * of two equal-cost next hops is used when the route has the ECMP flag; the
 * golden inputs only use single-path routes so results stay deterministic.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct route {
	__u32 ifindex;
	__u32 ecmp;
	__u8 mac[ETH_ALEN];
	__u8 mac2[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);
	__type(value, struct route);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} fwd_stats SEC(".maps");

static __always_inline void bump(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&fwd_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tc")
int tc_forward(struct __sk_buff *skb)
{
	struct cursor c = { (void *)(long)skb->data, (void *)(long)skb->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	struct route *rt;
	__be32 daddr;
	__u16 old_word, new_word;
	__u8 *mac;

	if (parse_eth(&c, &eth) != ETH_P_IP || c.pos != (void *)(long)skb->data + ETH_HLEN)
		return TC_ACT_OK;
	if (parse_ipv4(&c, &ip) < 0)
		return TC_ACT_SHOT;
	daddr = ip->daddr;
	rt = bpf_map_lookup_elem(&routes, &daddr);
	if (!rt) {
		bpf_printk("tc_forward: no route to %x", bpf_ntohl(daddr));
		bump(2);
		return TC_ACT_OK;
	}
	if (ip->ttl <= 1) {
		bump(1);
		return TC_ACT_SHOT;
	}
	old_word = *(__u16 *)&ip->ttl;
	new_word = old_word;
	((__u8 *)&new_word)[0] -= 1;
	mac = rt->ecmp && (bpf_get_prandom_u32() & 1) ? rt->mac2 : rt->mac;
	/* helpers below invalidate packet pointers: nothing is read after them */
	if (bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old_word, new_word,
				2))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, ttl), &new_word, 2, 0))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), mac, ETH_ALEN, 0))
		return TC_ACT_SHOT;
	bump(0);
	return bpf_redirect(rt->ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
