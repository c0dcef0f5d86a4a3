/* trace_tp.c: a tracepoint program reading its context buffer directly.
 *
 * syscalls:sys_enter_write passes a flat record (the tracepoint format in
 * /sys/kernel/tracing/events/syscalls/sys_enter_write/format): 8 bytes of
 * common fields, the syscall number, then fd, buf and count as 8-byte
 * slots. The program sums bytes written per process (tgid from
 * bpf_get_current_pid_tgid) and keeps a log2 histogram of write sizes;
 * bpf_get_current_comm names the process. Load-only in the corpus (no
 * BPF_PROG_TEST_RUN for tracepoints).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_enter_write_ctx {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
	__u64 fd;
	__u64 buf;
	__u64 count;
};

struct writer {
	__u64 bytes;
	__u64 calls;
	__u64 first_ns;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct writer);
} writers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} size_log2 SEC(".maps");

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

#pragma unroll
	for (int s = 32; s > 0; s >>= 1) {
		if (v >= (1ULL << s)) {
			v >>= s;
			r += s;
		}
	}
	return r;
}

SEC("tracepoint/syscalls/sys_enter_write")
int tp_sys_enter_write(struct sys_enter_write_ctx *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 count = ctx->count;
	struct writer *w;
	__u32 bucket;
	__u64 *h;

	w = bpf_map_lookup_elem(&writers, &tgid);
	if (!w) {
		struct writer init = { .first_ns = bpf_ktime_get_ns() };

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		bpf_map_update_elem(&writers, &tgid, &init, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&writers, &tgid);
		if (!w)
			return 0;
	}
	__sync_fetch_and_add(&w->bytes, count);
	__sync_fetch_and_add(&w->calls, 1);
	bucket = log2_u64(count) & 31;
	h = bpf_map_lookup_elem(&size_log2, &bucket);
	if (h)
		__sync_fetch_and_add(h, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
