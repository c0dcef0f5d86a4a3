/* parse.h: bounds-checked header parsing shared by the corpus programs.
 *
 * Each helper advances a cursor over the packet and returns the next
 * protocol number, or -1 when the header does not fit before data_end.
 * The checks against data_end are what the kernel verifier needs to see
 * before any packet byte is read.
 */
#ifndef CORPUS_PARSE_H
#define CORPUS_PARSE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Ethernet plus up to two VLAN tags; returns the ethertype in host order. */
static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth)
{
	struct ethhdr *e = c->pos;
	__u16 proto;

	if ((void *)(e + 1) > c->end)
		return -1;
	c->pos = e + 1;
	*eth = e;
	proto = bpf_ntohs(e->h_proto);

#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *v = c->pos;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(v + 1) > c->end)
			return -1;
		c->pos = v + 1;
		proto = bpf_ntohs(v->encap_proto);
	}
	return proto;
}

/* IPv4 with options (ihl > 5); returns the L4 protocol. */
static __always_inline int parse_ipv4(struct cursor *c, struct iphdr **ip)
{
	struct iphdr *h = c->pos;
	int len;

	if ((void *)(h + 1) > c->end)
		return -1;
	len = h->ihl * 4;
	if (len < (int)sizeof(*h))
		return -1;
	if (c->pos + len > c->end)
		return -1;
	c->pos += len;
	*ip = h;
	return h->protocol;
}

/* IPv6 fixed header only; extension headers are reported as-is. */
static __always_inline int parse_ipv6(struct cursor *c, struct ipv6hdr **ip6)
{
	struct ipv6hdr *h = c->pos;

	if ((void *)(h + 1) > c->end)
		return -1;
	c->pos = h + 1;
	*ip6 = h;
	return h->nexthdr;
}

static __always_inline struct tcphdr *parse_tcp(struct cursor *c)
{
	struct tcphdr *t = c->pos;

	if ((void *)(t + 1) > c->end)
		return 0;
	c->pos = t + 1;
	return t;
}

static __always_inline struct udphdr *parse_udp(struct cursor *c)
{
	struct udphdr *u = c->pos;

	if ((void *)(u + 1) > c->end)
		return 0;
	c->pos = u + 1;
	return u;
}

#endif
