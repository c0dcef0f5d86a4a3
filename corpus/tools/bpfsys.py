"""bpfsys.py: the few bpf(2) and perf_event_open(2) calls the golden tool needs, via ctypes.

bpftool covers loading; test runs, map access, ring buffers and perf buffers
go through the raw syscalls here so that one process owns the perf event
fds (a perf event array slot is emptied when the fd that filled it closes).
Layouts follow union bpf_attr and struct perf_event_attr in the uapi headers.
"""

import ctypes
import mmap
import os
import platform
import struct

_NR = {
    "x86_64": {"bpf": 321, "perf_event_open": 298},
    "aarch64": {"bpf": 280, "perf_event_open": 241},
}

BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_MAP_GET_NEXT_KEY = 4
BPF_OBJ_GET = 7
BPF_PROG_TEST_RUN = 10
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_MAP_LOOKUP_AND_DELETE_ELEM = 21
BPF_MAP_CREATE = 0

MAP_TYPES = {
    1: "hash", 2: "array", 3: "prog_array", 4: "perf_event_array", 5: "percpu_hash",
    6: "percpu_array", 7: "stack_trace", 9: "lru_hash", 10: "lru_percpu_hash",
    11: "lpm_trie", 12: "array_of_maps", 13: "hash_of_maps", 22: "queue", 23: "stack",
    27: "ringbuf",
}
PROG_TYPES = {
    1: "socket_filter", 2: "kprobe", 3: "sched_cls", 4: "sched_act", 5: "tracepoint",
    6: "xdp", 7: "perf_event",
}
UPDATE_FLAGS = {"any": 0, "noexist": 1, "exist": 2}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _nr(name):
    arch = platform.machine()
    if arch not in _NR:
        raise OSError("unsupported architecture %s" % arch)
    return _NR[arch][name]


def _buf(data):
    b = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
    return b, ctypes.addressof(b)


def bpf(cmd, attr):
    r = _libc.syscall(_nr("bpf"), ctypes.c_int(cmd), ctypes.byref(attr), ctypes.c_uint(len(attr)))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "bpf(%d): %s" % (cmd, os.strerror(e)))
    return r


def available():
    """True when bpf() works here (a tiny array map can be created)."""
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIII", attr, 0, 2, 4, 4, 1)
    try:
        fd = bpf(BPF_MAP_CREATE, attr)
    except OSError:
        return False
    os.close(fd)
    return True


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        text = f.read().strip()
    n = 0
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        n = max(n, int(hi or lo) + 1)
    return n


def obj_get(path):
    p, pa = _buf(path.encode() + b"\0")
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("QI", attr, 0, pa, 0)
    return bpf(BPF_OBJ_GET, attr)


def _info(fd, size=256):
    info = ctypes.create_string_buffer(size)
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIQ", attr, 0, fd, size, ctypes.addressof(info))
    bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    return info.raw


def map_info(fd):
    raw = _info(fd)
    t, mid, ks, vs, mx, fl = struct.unpack_from("6I", raw, 0)
    return {"type": t, "id": mid, "key_size": ks, "value_size": vs, "max_entries": mx, "flags": fl}


def prog_type(fd):
    return struct.unpack_from("I", _info(fd), 0)[0]


def _percpu(info):
    return info["type"] in (5, 6, 10)


def _value_len(info):
    if _percpu(info):
        return ((info["value_size"] + 7) // 8) * 8 * possible_cpus()
    return info["value_size"]


def map_update(fd, info, key, value, flags=0):
    k, ka = _buf(key) if key is not None else (None, 0)
    if _percpu(info) and len(value) == info["value_size"]:
        stride = (info["value_size"] + 7) // 8 * 8
        value = b"".join(value + bytes(stride - len(value)) for _ in range(possible_cpus()))
    v, va = _buf(value)
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIQQQ", attr, 0, fd, 0, ka, va, flags)
    bpf(BPF_MAP_UPDATE_ELEM, attr)


def map_lookup(fd, info, key):
    k, ka = _buf(key)
    v = ctypes.create_string_buffer(_value_len(info))
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIQQQ", attr, 0, fd, 0, ka, ctypes.addressof(v), 0)
    bpf(BPF_MAP_LOOKUP_ELEM, attr)
    return v.raw


def map_keys(fd, info):
    keys, prev = [], None
    while True:
        nk = ctypes.create_string_buffer(info["key_size"])
        attr = ctypes.create_string_buffer(128)
        pk, pa = _buf(prev) if prev is not None else (None, 0)
        struct.pack_into("IIQQ", attr, 0, fd, 0, pa, ctypes.addressof(nk))
        try:
            bpf(BPF_MAP_GET_NEXT_KEY, attr)
        except OSError as e:
            if e.errno == 2:  # ENOENT: last key
                return keys
            raise
        keys.append(nk.raw)
        prev = nk.raw


def map_pop(fd, info):
    """Queue/stack: pops one value, None when empty."""
    v = ctypes.create_string_buffer(info["value_size"])
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("IIQQQ", attr, 0, fd, 0, 0, ctypes.addressof(v), 0)
    try:
        bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, attr)
    except OSError as e:
        if e.errno == 2:
            return None
        raise
    return v.raw


def dump_map(fd, info):
    """Entries sorted by key bytes; percpu values split per CPU; queue/stack popped in order."""
    t = info["type"]
    if t in (22, 23):
        out = []
        while True:
            v = map_pop(fd, info)
            if v is None:
                return out
            out.append({"value": v.hex()})
    entries = []
    for k in sorted(map_keys(fd, info)):
        try:
            v = map_lookup(fd, info, k)
        except OSError as e:
            if e.errno == 2:
                continue
            raise
        if _percpu(info):
            stride = (info["value_size"] + 7) // 8 * 8
            vals = [v[i * stride : i * stride + info["value_size"]].hex() for i in range(possible_cpus())]
            entries.append({"key": k.hex(), "values": vals})
        else:
            entries.append({"key": k.hex(), "value": v.hex()})
    return entries


def test_run(prog_fd, data, ctx=None):
    """One BPF_PROG_TEST_RUN with repeat 1; returns (retval, data_out, ctx_out)."""
    din, dina = _buf(data)
    dout = ctypes.create_string_buffer(65536)
    attr = ctypes.create_string_buffer(128)
    cin = cout = None
    struct.pack_into("IIIIQQII", attr, 0, prog_fd, 0, len(data), len(dout), dina, ctypes.addressof(dout), 1, 0)
    if ctx is not None:
        cin, cina = _buf(ctx)
        cout = ctypes.create_string_buffer(1024)
        struct.pack_into("IIQQ", attr, 40, len(ctx), len(cout), cina, ctypes.addressof(cout))
    bpf(BPF_PROG_TEST_RUN, attr)
    retval, _, size_out = struct.unpack_from("III", attr, 4)
    ctx_out = None
    if ctx is not None:
        ctx_out = cout.raw[: struct.unpack_from("I", attr, 44)[0]]
    return retval, dout.raw[:size_out], ctx_out


class RingBuf:
    """Consumer side of a BPF_MAP_TYPE_RINGBUF (mmap layout of kernel/bpf/ringbuf.c)."""

    def __init__(self, fd, size):
        self.page = mmap.PAGESIZE
        self.mask = size - 1
        self.cons = mmap.mmap(fd, self.page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0)
        self.prod = mmap.mmap(fd, self.page + 2 * size, mmap.MAP_SHARED, mmap.PROT_READ, offset=self.page)

    def drain(self):
        records = []
        cons = struct.unpack_from("Q", self.cons, 0)[0]
        prod = struct.unpack_from("Q", self.prod, 0)[0]
        while cons < prod:
            off = self.page + (cons & self.mask)
            length, _ = struct.unpack_from("II", self.prod, off)
            if length & (1 << 31):  # still busy
                break
            n = length & ~(3 << 30)
            if not length & (1 << 30):  # not discarded
                records.append(bytes(self.prod[off + 8 : off + 8 + n]).hex())
            cons += (n + 8 + 7) & ~7
        struct.pack_into("Q", self.cons, 0, cons)
        return records


class PerfBuf:
    """One PERF_COUNT_SW_BPF_OUTPUT event per CPU with its mmap'ed ring."""

    PAGES = 8

    def __init__(self, cpu):
        attr = ctypes.create_string_buffer(112)
        # type=PERF_TYPE_SOFTWARE, size, config=PERF_COUNT_SW_BPF_OUTPUT,
        # sample_period=1, sample_type=PERF_SAMPLE_RAW, read_format, flags, wakeup_events=1
        struct.pack_into("IIQQQQQI", attr, 0, 1, 112, 10, 1, 1 << 10, 0, 0, 1)
        fd = _libc.syscall(_nr("perf_event_open"), ctypes.byref(attr), -1, cpu, -1, 8)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, "perf_event_open: %s" % os.strerror(e))
        self.fd = fd
        self.mm = mmap.mmap(fd, (1 + self.PAGES) * mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def drain(self):
        head, tail, off, size = struct.unpack_from("QQQQ", self.mm, 1024)
        samples = []
        ring = bytes(self.mm[off : off + size])
        doubled = ring + ring  # records may wrap around the end of the ring
        while tail < head:
            pos = tail % size
            rec = doubled[pos : pos + size]
            rtype, _, rsize = struct.unpack_from("IHH", rec, 0)
            if rtype == 9:  # PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW: u32 size, data
                n = struct.unpack_from("I", rec, 8)[0]
                samples.append(rec[12 : 12 + n].hex())
            elif rtype == 2:  # PERF_RECORD_LOST
                samples.append("lost:%d" % struct.unpack_from("Q", rec, 16)[0])
            tail += rsize
        struct.pack_into("Q", self.mm, 1032, tail)
        return samples

    def close(self):
        self.mm.close()
        os.close(self.fd)
