/* atomics.c: every BPF_ATOMIC flavour clang emits from the __sync builtins.
 *
 * On a map value: 64- and 32-bit add without fetch (XADD), fetch-and-add,
 * fetch-and-or/and/xor (need -mcpu=v3), exchange (__sync_lock_test_and_set)
 * and compare-and-exchange (__sync_val_compare_and_swap, both the success
 * and the failure case). Values fetched are stored next to the atomic words
 * so the results of each fetch are visible in the map. The packet length
 * drives the operands so several packets give different histories.
 */
#include "parse.h"

struct atomic_words {
	__u64 add;
	__u64 fetch_add;
	__u64 or_bits;
	__u64 and_bits;
	__u64 xor_bits;
	__u64 xchg;
	__u64 cmpxchg;
	__u32 add32;
	__u32 or32;
	/* results of the fetching operations */
	__u64 old_fetch_add;
	__u64 old_or;
	__u64 old_and;
	__u64 old_xor;
	__u64 old_xchg;
	__u64 old_cmpxchg_hit;
	__u64 old_cmpxchg_miss;
	__u32 old_or32;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct atomic_words);
} words SEC(".maps");

SEC("xdp")
int xdp_atomics(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	struct atomic_words *w;
	__u32 zero = 0;
	__u64 cur;

	w = bpf_map_lookup_elem(&words, &zero);
	if (!w)
		return XDP_ABORTED;

	__sync_fetch_and_add(&w->add, len);
	__sync_fetch_and_add(&w->add32, (__u32)len);
	w->old_fetch_add = __sync_fetch_and_add(&w->fetch_add, len * 3);
	w->old_or = __sync_fetch_and_or(&w->or_bits, 1ULL << (len & 63));
	w->old_and = __sync_fetch_and_and(&w->and_bits, ~(1ULL << (len & 31)));
	w->old_xor = __sync_fetch_and_xor(&w->xor_bits, len * 0x0101010101010101ULL);
	w->old_or32 = __sync_fetch_and_or(&w->or32, (__u32)len << 8);
	w->old_xchg = __sync_lock_test_and_set(&w->xchg, len);

	cur = w->cmpxchg;
	w->old_cmpxchg_hit = __sync_val_compare_and_swap(&w->cmpxchg, cur, cur + len);
	w->old_cmpxchg_miss = __sync_val_compare_and_swap(&w->cmpxchg, ~0ULL, 0);
	return (w->add & 1) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
