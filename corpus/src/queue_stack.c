/* queue_stack.c: BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (no keys; push/pop/peek).
 *
 * xdp_remember pushes the IPv4 source address of each frame into `recent_q`
 * (FIFO) and `recent_s` (LIFO). Both hold 4 elements; the queue is pushed with
 * BPF_EXIST, which drops its oldest element when full, the stack without it,
 * so a full stack refuses the push (counted in `qs_stats`). xdp_recall peeks
 * the head of the queue, pops one element from each map, and records what it
 * got in `qs_stats`. Verdicts: XDP_PASS, XDP_DROP when both maps were empty.
 */
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} recent_q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u32);
} recent_s SEC(".maps");

enum { QS_PUSHED, QS_STACK_FULL, QS_PEEK, QS_POP_Q, QS_POP_S, QS_EMPTY, QS_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, QS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} qs_stats SEC(".maps");

static __always_inline void set(__u32 idx, __u64 v, int add)
{
	__u64 *p = bpf_map_lookup_elem(&qs_stats, &idx);

	if (!p)
		return;
	if (add)
		*p += v;
	else
		*p = v;
}

SEC("xdp")
int xdp_remember(struct xdp_md *ctx)
{
	struct cursor c = { (void *)(long)ctx->data, (void *)(long)ctx->data_end };
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 saddr;

	if (parse_eth(&c, &eth) != ETH_P_IP || parse_ipv4(&c, &ip) < 0)
		return XDP_PASS;
	saddr = bpf_ntohl(ip->saddr);
	bpf_map_push_elem(&recent_q, &saddr, BPF_EXIST);
	if (bpf_map_push_elem(&recent_s, &saddr, 0))
		set(QS_STACK_FULL, 1, 1);
	set(QS_PUSHED, 1, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_recall(struct xdp_md *ctx)
{
	__u32 head = 0, q = 0, s = 0;
	int empty = 0;

	if (bpf_map_peek_elem(&recent_q, &head) == 0)
		set(QS_PEEK, head, 0);
	if (bpf_map_pop_elem(&recent_q, &q) == 0)
		set(QS_POP_Q, q, 0);
	else
		empty++;
	if (bpf_map_pop_elem(&recent_s, &s) == 0)
		set(QS_POP_S, s, 0);
	else
		empty++;
	if (empty == 2) {
		set(QS_EMPTY, 1, 1);
		return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
