/* trace_kprobe.c: a kprobe that records which processes open files, and when.
 *
 * Attached to do_sys_openat2(dfd, filename, how), it reads the arguments from
 * the struct pt_regs context (PT_REGS_PARM*, x86-64 layout), copies the
 * user-space filename with bpf_probe_read_user_str, and stores per pid_tgid
 * the call count, the last timestamp (bpf_ktime_get_ns) and the last flags.
 * A kretprobe counts failed opens. Not runnable with BPF_PROG_TEST_RUN: the
 * corpus only checks that the kernel verifier accepts it.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct open_stat {
	__u64 calls;
	__u64 last_ns;
	__u64 last_dfd;
	__u64 failures;
	char last_name[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct open_stat);
} opens SEC(".maps");

SEC("kprobe/do_sys_openat2")
int trace_openat2(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	long dfd = PT_REGS_PARM1(ctx);
	const char *name = (const char *)PT_REGS_PARM2(ctx);
	struct open_stat *st, init = {};

	st = bpf_map_lookup_elem(&opens, &id);
	if (!st) {
		bpf_map_update_elem(&opens, &id, &init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&opens, &id);
		if (!st)
			return 0;
	}
	st->calls++;
	st->last_ns = bpf_ktime_get_ns();
	st->last_dfd = dfd;
	bpf_probe_read_user_str(st->last_name, sizeof(st->last_name), name);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int trace_openat2_ret(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	long ret = PT_REGS_RC(ctx);
	struct open_stat *st;

	if (ret >= 0)
		return 0;
	st = bpf_map_lookup_elem(&opens, &id);
	if (st)
		__sync_fetch_and_add(&st->failures, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
