/* ringbuf_events.c: connection-attempt events through a BPF ring buffer.
 *
 * For every TCP SYN (without ACK) over IPv4 an event is reserved in `events`
 * (BPF_MAP_TYPE_RINGBUF) with bpf_ringbuf_reserve, filled in place and
 * submitted; for UDP to port 53 an event is built on the stack and copied
 * with bpf_ringbuf_output; anything with a zero TTL is reserved and then
 * discarded (bpf_ringbuf_discard), which user space never sees. Reservation
 * failures are counted in `lost`. Every frame passes.
 */
#include "parse.h"

struct conn_event {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 ttl;
	__u16 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&lost, &zero);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_conn_events(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct conn_event *e;
	struct ethhdr *eth;
	struct iphdr *ip;
	int proto;

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return XDP_PASS;
	proto = parse_ipv4(&c, &ip);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(&c);

		if (!t || !t->syn || t->ack)
			return XDP_PASS;
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			count_lost();
			return XDP_PASS;
		}
		e->saddr = ip->saddr;
		e->daddr = ip->daddr;
		e->sport = t->source;
		e->dport = t->dest;
		e->proto = IPPROTO_TCP;
		e->ttl = ip->ttl;
		e->len = ctx->data_end - ctx->data;
		if (ip->ttl == 0)
			bpf_ringbuf_discard(e, 0);
		else
			bpf_ringbuf_submit(e, 0);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *u = parse_udp(&c);
		struct conn_event ev = {};

		if (!u || u->dest != bpf_htons(53))
			return XDP_PASS;
		ev.saddr = ip->saddr;
		ev.daddr = ip->daddr;
		ev.sport = u->source;
		ev.dport = u->dest;
		ev.proto = IPPROTO_UDP;
		ev.ttl = ip->ttl;
		ev.len = ctx->data_end - ctx->data;
		if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
			count_lost();
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
