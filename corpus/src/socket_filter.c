/* socket_filter.c: classic socket filters written in C (BPF_PROG_TYPE_SOCKET_FILTER).
 *
 * A socket filter returns how many bytes of the packet to keep (0 drops it).
 * It cannot read the packet directly; it uses the legacy LD_ABS/LD_IND
 * instructions (clang's llvm.bpf.load.* intrinsics) and bpf_skb_load_bytes.
 * The packet starts at the network header (as on a raw or UDP socket).
 * dns_filter: keeps IPv4 UDP datagrams to or from port 53 (whole packet),
 *   reading the header length with LD_ABS and the ports with LD_IND.
 * syn_filter: keeps only the first 40 bytes of IPv4 TCP SYNs, reading the
 *   TCP header with bpf_skb_load_bytes, and counts them in `syn_count`.
 */
#include "parse.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} syn_count SEC(".maps");

SEC("socket")
int dns_filter(struct __sk_buff *skb)
{
	__u32 ihl, sport, dport;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if ((load_byte(skb, 0) >> 4) != 4)
		return 0;
	if (load_byte(skb, offsetof(struct iphdr, protocol)) != IPPROTO_UDP)
		return 0;
	/* fragments other than the first carry no UDP header */
	if (load_half(skb, offsetof(struct iphdr, frag_off)) & 0x1fff)
		return 0;
	ihl = (load_byte(skb, 0) & 0xf) * 4;
	sport = load_half(skb, ihl);
	dport = load_half(skb, ihl + 2);
	if (sport != 53 && dport != 53)
		return 0;
	/* a load past the end aborts the filter with 0, like cBPF */
	if (load_word(skb, ihl + 4) >> 16 < 8)
		return 0;
	return skb->len;
}

SEC("socket")
int syn_filter(struct __sk_buff *skb)
{
	struct iphdr ip;
	struct tcphdr tcp;
	__u32 idx = 0;
	__u64 *cnt;

	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
		return 0;
	if (ip.version != 4 || ip.protocol != IPPROTO_TCP)
		return 0;
	if (bpf_skb_load_bytes(skb, ip.ihl * 4, &tcp, sizeof(tcp)) < 0) {
		idx = 1;
		cnt = bpf_map_lookup_elem(&syn_count, &idx);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
		return 0;
	}
	if (!tcp.syn || tcp.ack)
		return 0;
	cnt = bpf_map_lookup_elem(&syn_count, &idx);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return 40;
}

char LICENSE[] SEC("license") = "GPL";
