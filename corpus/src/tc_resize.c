/* tc_resize.c: resizing the packet at tc with bpf_skb_change_tail and
 * bpf_skb_pull_data.
 *
 * The program pulls the Ethernet + IPv4 headers into the linear area, then
 * sets the frame length from the IPv4 total length: Ethernet padding after
 * the datagram is trimmed, a datagram longer than the frame is rejected, and
 * a UDP datagram to port 9 gets an 8-byte trailer appended (zero-filled by
 * the helper, then stamped through fresh packet pointers). Results are
 * counted in `stats` by outcome: [0] pull failed, [1] trimmed, [2] grown,
 * [3] unchanged, [4] change_tail error. The return code is TC_ACT_OK, or
 * TC_ACT_SHOT when a helper fails or the headers are missing.
 */
#include "parse.h"
#include <linux/pkt_cls.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &what);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tc")
int tc_resize(struct __sk_buff *skb)
{
	const __u32 hdrs = sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u32 want, len = skb->len;

	if (bpf_skb_pull_data(skb, hdrs) < 0) {
		count(0);
		return TC_ACT_SHOT;
	}
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_SHOT;
	want = sizeof(*eth) + bpf_ntohs(ip->tot_len);
	if (want > len)
		return TC_ACT_SHOT;
	int grow = ip->protocol == IPPROTO_UDP && ip->ihl == 5;
	if (grow) {
		struct udphdr *udp = (void *)(ip + 1);

		if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(9))
			grow = 0;
	}
	if (grow)
		want += 8;
	if (want == len) {
		count(3);
		return TC_ACT_OK;
	}
	if (bpf_skb_change_tail(skb, want, 0) < 0) {
		count(4);
		return TC_ACT_SHOT;
	}
	if (!grow) {
		count(1);
		return TC_ACT_OK;
	}
	/* Packet pointers are invalid after change_tail: load them again. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	__u32 off = want - 8;
	if (off > 2000)
		return TC_ACT_SHOT;
	__u8 *tail = data + off;
	if ((void *)(tail + 8) > data_end)
		return TC_ACT_SHOT;
	tail[0] = 0xbf;
	tail[7] = (__u8)skb->len;
	count(2);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
