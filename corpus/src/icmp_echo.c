/* icmp_echo.c: XDP ICMP/ICMPv6 echo responder with incremental checksums.
 *
 * Turns an echo request (ICMP type 8, ICMPv6 type 128) addressed to us into
 * the echo reply in place and sends it back with XDP_TX: swaps MAC and IP
 * addresses, sets the reply type, resets the IPv4 TTL to 64 (fixing the IP
 * header checksum) and updates the ICMP checksum with bpf_csum_diff over the
 * changed 32-bit word (RFC 1624 style: sum of new words minus old words).
 * Replies are counted in `echo_stats` per family; other packets pass.
 */
#include "parse.h"
#include <linux/icmpv6.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} echo_stats SEC(".maps");

static __always_inline __u16 csum_fold(__u64 csum)
{
	csum = (csum & 0xffffffff) + (csum >> 32);
	csum = (csum & 0xffffffff) + (csum >> 32);
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return ~csum;
}

/* Replace 4 aligned bytes at p and patch the 16-bit checksum at csum. */
static __always_inline void replace_word(__u32 *p, __u32 new_word, __u16 *csum)
{
	__u32 old_word = *p;
	__s64 d;

	*p = new_word;
	d = bpf_csum_diff(&old_word, 4, &new_word, 4, ~((__u32)*csum) & 0xffff);
	if (d >= 0)
		*csum = csum_fold(d);
}

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&echo_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	int proto;

	proto = parse_eth(&c, &eth);
	if (proto == ETH_P_IP) {
		struct icmphdr *icmp;
		struct iphdr *ip;
		__be32 a;

		if (parse_ipv4(&c, &ip) != IPPROTO_ICMP || ip->ihl != 5)
			return XDP_PASS;
		icmp = c.pos;
		if ((void *)(icmp + 1) > c.end || icmp->type != ICMP_ECHO || icmp->code != 0)
			return XDP_PASS;
		/* type/code share the first word with the checksum: patch via a copy */
		{
			__u32 w = *(__u32 *)icmp, nw;
			__u16 sum = icmp->checksum;

			((struct icmphdr *)&w)->checksum = 0;
			nw = w;
			((struct icmphdr *)&nw)->type = ICMP_ECHOREPLY;
			replace_word(&w, nw, &sum);
			icmp->type = ICMP_ECHOREPLY;
			icmp->checksum = sum;
		}
		/* TTL and protocol form one 16-bit word of the IP header */
		{
			__u32 *w = (__u32 *)&ip->ttl; /* ttl, protocol, check */
			__u32 old = *w, nw;
			__u16 sum = ip->check;

			nw = old;
			((__u8 *)&nw)[0] = 64;
			((__u16 *)&nw)[1] = 0;
			((__u16 *)&old)[1] = 0;
			{
				__s64 d = bpf_csum_diff(&old, 4, &nw, 4, ~((__u32)sum) & 0xffff);

				if (d >= 0)
					sum = csum_fold(d);
			}
			ip->ttl = 64;
			ip->check = sum;
		}
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		swap_mac(eth);
		count(0);
		return XDP_TX;
	}
	if (proto == ETH_P_IPV6) {
		struct icmp6hdr *icmp6;
		struct ipv6hdr *ip6;
		struct in6_addr a;

		if (parse_ipv6(&c, &ip6) != IPPROTO_ICMPV6)
			return XDP_PASS;
		icmp6 = c.pos;
		if ((void *)(icmp6 + 1) > c.end || icmp6->icmp6_type != ICMPV6_ECHO_REQUEST)
			return XDP_PASS;
		{
			__u32 w = *(__u32 *)icmp6, nw;
			__u16 sum = icmp6->icmp6_cksum;

			((struct icmp6hdr *)&w)->icmp6_cksum = 0;
			nw = w;
			((struct icmp6hdr *)&nw)->icmp6_type = ICMPV6_ECHO_REPLY;
			replace_word(&w, nw, &sum);
			icmp6->icmp6_type = ICMPV6_ECHO_REPLY;
			icmp6->icmp6_cksum = sum;
		}
		ip6->hop_limit = 64;
		__builtin_memcpy(&a, &ip6->saddr, sizeof(a));
		__builtin_memcpy(&ip6->saddr, &ip6->daddr, sizeof(a));
		__builtin_memcpy(&ip6->daddr, &a, sizeof(a));
		swap_mac(eth);
		count(1);
		return XDP_TX;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
