/* global_data.c: configuration and state in global variables (.rodata, .data, .bss).
 *
 * libbpf turns each section into a one-entry array map. `cfg_*` are
 * `const volatile` so they land in .rodata (frozen after load, so the
 * verifier may treat them as known constants); `watched_ports` is an
 * initialised table in .data; `pkt_seen`, `bytes_seen` and `last_dport` are
 * zero-initialised in .bss. The program counts per watched TCP/UDP port in
 * .data, drops cfg_drop_proto, and truncates nothing. A string constant in
 * .rodata is copied into `last_tag` so the test sees .rodata data flow.
 */
#include "parse.h"

const volatile __u8 cfg_drop_proto = IPPROTO_ICMP;
const volatile __u32 cfg_min_len = 60;
const char tag[8] = "corpus!";

__u16 watched_ports[6] = { 22, 53, 80, 443, 8080, 0 };
__u64 port_hits[6] = { 0, 0, 0, 0, 0, 100 };

__u64 pkt_seen;
__u64 bytes_seen;
__u64 short_frames;
__u16 last_dport;
char last_tag[8];

SEC("xdp")
int xdp_globals(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	__u32 len = ctx->data_end - ctx->data;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u16 dport = 0;
	int proto;

	pkt_seen++;
	bytes_seen += len;
	if (len < cfg_min_len)
		short_frames++;
	__builtin_memcpy(last_tag, tag, sizeof(last_tag));

	if (parse_eth(&c, &eth) != ETH_P_IP)
		return XDP_PASS;
	proto = parse_ipv4(&c, &ip);
	if (proto < 0)
		return XDP_DROP;
	if (proto == cfg_drop_proto)
		return XDP_DROP;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = parse_tcp(&c);

		if (t)
			dport = bpf_ntohs(t->dest);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *u = parse_udp(&c);

		if (u)
			dport = bpf_ntohs(u->dest);
	}
	if (!dport)
		return XDP_PASS;
	last_dport = dport;
	for (int i = 0; i < 5; i++) {
		if (watched_ports[i] == dport) {
			port_hits[i]++;
			break;
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
