/* xdp_adjust.c: packet resizing in XDP with bpf_xdp_adjust_head/tail/meta.
 *
 * xdp_ipip_encap: pushes an outer IPv4 header (IP-in-IP, protocol 4) in front
 *   of an IPv4 packet: adjust_head(-20), move the Ethernet header forward,
 *   build the outer header with a freshly computed checksum; returns XDP_TX.
 * xdp_ipip_decap: the inverse; strips the outer header of an IPIP packet.
 * xdp_trim: cuts frames longer than 64 bytes down to 64 (adjust_tail with a
 *   negative delta) and grows frames shorter than 60 bytes to 60 (positive
 *   delta, zero padding like an Ethernet minimum-length pad).
 * xdp_meta: reserves 8 bytes of metadata before the packet with
 *   adjust_meta, writes a mark and the frame length there, reads it back
 *   through data_meta and returns a verdict based on it.
 * After any adjust call every packet pointer must be reloaded from ctx.
 */
#include "parse.h"

#define OUTER_SRC bpf_htonl(0xc0a86401) /* 192.168.100.1 */
#define OUTER_DST bpf_htonl(0xc0a86402) /* 192.168.100.2 */

static __always_inline __u16 ip_checksum(struct iphdr *ip)
{
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)sizeof(*ip) / 2; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_ipip_encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *neth;
	struct iphdr *inner, *outer;
	struct ethhdr saved;
	__u16 inner_len;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	inner = (void *)(eth + 1);
	if ((void *)(inner + 1) > end)
		return XDP_DROP;
	inner_len = bpf_ntohs(inner->tot_len);
	__builtin_memcpy(&saved, eth, sizeof(saved));

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	neth = data;
	outer = (void *)(neth + 1);
	if ((void *)(outer + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(neth, &saved, sizeof(saved));
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = OUTER_SRC;
	outer->daddr = OUTER_DST;
	outer->check = ip_checksum(outer);
	return XDP_TX;
}

SEC("xdp")
int xdp_ipip_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *outer;
	struct ethhdr saved;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > end)
		return XDP_DROP;
	if (outer->protocol != IPPROTO_IPIP || outer->ihl != 5)
		return XDP_PASS;
	__builtin_memcpy(&saved, eth, sizeof(saved));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, &saved, sizeof(saved));
	return XDP_PASS;
}

SEC("xdp")
int xdp_trim(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;

	if (len > 64) {
		if (bpf_xdp_adjust_tail(ctx, 64 - len))
			return XDP_ABORTED;
		return XDP_TX;
	}
	if (len < 60) {
		void *data, *end;
		__u8 *pad;
		int grow = 60 - len;

		if (bpf_xdp_adjust_tail(ctx, grow))
			return XDP_ABORTED;
		/* the grown area is not guaranteed to be zero: clear it */
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		pad = data + 14;
#pragma clang loop unroll(disable)
		for (int i = 0; i < 46; i++) {
			if ((void *)(pad + i + 1) > end)
				break;
			if (i >= 46 - grow)
				pad[i] = 0;
		}
		return XDP_TX;
	}
	return XDP_PASS;
}

struct meta {
	__u32 mark;
	__u32 len;
};

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	void *data, *end, *meta_start;
	struct ethhdr *eth;
	struct meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	meta_start = (void *)(long)ctx->data_meta;
	m = meta_start;
	if ((void *)(m + 1) > data)
		return XDP_ABORTED;
	eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	m->mark = eth->h_proto == bpf_htons(ETH_P_IPV6) ? 0x66 : 0x44;
	m->len = end - data;

	/* read back through a fresh pointer, as a later tc program would */
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return XDP_ABORTED;
	return m->mark == 0x66 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
