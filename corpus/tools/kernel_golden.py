#!/usr/bin/env python3
"""kernel_golden.py: records what the Linux kernel does with the corpus programs.

For every object in corpus/obj it asks the kernel verifier to load it
(bpftool prog loadall for libbpf-style objects, tools/loader.c for objects
with a legacy "maps" section) and writes the list of accepted programs to
corpus/golden/verifier.json. For every program listed in
corpus/src/<object>.setup.json it then, on a fresh load of the object:
applies the setup's map updates, runs each packet once with
BPF_PROG_TEST_RUN (repeat 1, in order, so map state carries over), drains
ring buffers and perf buffers after each run, dumps the maps at the end, and
writes corpus/golden/<object>.<program>.json. The format of both files is in
corpus/README.md.

The process pins itself to CPU 0 so per-CPU map slots and BPF_F_CURRENT_CPU
perf buffers are deterministic. Where bpf() is unavailable (not root, no
bpffs, no kernel support) it says so and exits 0.

usage: kernel_golden.py [--only OBJECT ...] [--verify-only]
"""

import argparse
import errno
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep corpus/tools free of __pycache__

import bpfsys  # noqa: E402
import packets  # noqa: E402

BPFFS = "/sys/fs/bpf"
SKIP_DUMP = {"prog_array", "perf_event_array", "ringbuf", "array_of_maps", "hash_of_maps"}


def elf_info(path):
    """Programs (function, section), data sections and legacy-maps flag of an ELF64 BPF object."""
    with open(path, "rb") as f:
        img = f.read()
    shoff, = struct.unpack_from("<Q", img, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", img, 0x3A)
    secs = []
    for i in range(shnum):
        name, stype, flags, _, off, size, link, info, _, _ = struct.unpack_from("<IIQQQQIIQQ", img, shoff + i * shentsize)
        secs.append({"name": name, "type": stype, "flags": flags, "off": off, "size": size, "link": link})
    strtab_off = secs[shstrndx]["off"]

    def cstr(base, at):
        end = img.index(b"\0", base + at)
        return img[base + at : end].decode()

    for s in secs:
        s["name"] = cstr(strtab_off, s["name"])
    progs = []
    for s in secs:
        if s["type"] != 2:  # SHT_SYMTAB
            continue
        names = secs[s["link"]]["off"]
        for k in range(s["size"] // 24):
            st_name, st_info, _, st_shndx, _, _ = struct.unpack_from("<IBBHQQ", img, s["off"] + k * 24)
            if st_info & 0xF != 2 or st_info >> 4 != 1 or st_shndx >= len(secs):  # global STT_FUNC
                continue
            sec = secs[st_shndx]
            if sec["flags"] & 4 and sec["name"] != ".text":  # SHF_EXECINSTR
                progs.append((cstr(names, st_name), sec["name"]))
    data = [s["name"] for s in secs if s["name"].startswith((".data", ".bss", ".rodata"))]
    return {
        "programs": progs,
        "data_sections": data,
        "legacy": any(s["name"] == "maps" for s in secs),
    }


class Loaded:
    """One object loaded and pinned under a private bpffs directory."""

    def __init__(self, obj, info, type_override, loader_bin, tag):
        self.dir = os.path.join(BPFFS, "ebpf_wasm_golden_%d_%s" % (os.getpid(), tag))
        os.makedirs(self.dir, exist_ok=True)
        self.fds = []
        if info["legacy"]:
            cmd = [loader_bin, obj, self.dir] + ([type_override] if type_override else [])
        else:
            cmd = ["bpftool", "prog", "loadall", obj, self.dir + "/progs", "pinmaps", self.dir + "/maps"]
            if type_override:
                cmd += ["type", type_override]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            self.close()
            raise RuntimeError("kernel refused %s:\n%s%s" % (os.path.basename(obj), r.stdout[-4000:], r.stderr[-4000:]))
        self.maps = {}
        mdir = self.dir + "/maps"
        for pinned in sorted(os.listdir(mdir)) if os.path.isdir(mdir) else []:
            fd = self._get(os.path.join(mdir, pinned))
            self.maps[self._canonical(pinned, info)] = (fd, bpfsys.map_info(fd))
        self.progs = {}
        for pinned in sorted(os.listdir(self.dir + "/progs")):
            fd = self._get(os.path.join(self.dir, "progs", pinned))
            self.progs[pinned] = (fd, bpfsys.prog_type(fd))

    def _get(self, path):
        fd = bpfsys.obj_get(path)
        self.fds.append(fd)
        return fd

    @staticmethod
    def _canonical(pinned, info):
        """libbpf pins .data of object foo as 'foo_data' (sanitized, prefixed): map it back to '.data'."""
        best = None
        for sec in info["data_sections"]:
            if pinned.endswith(sec.replace(".", "_")) and (best is None or len(sec) > len(best)):
                best = sec
        return best or pinned

    def close(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        shutil.rmtree(self.dir, ignore_errors=True)


def apply_update(loaded, upd):
    name = upd["map"]
    if name not in loaded.maps:
        raise KeyError("setup names unknown map %r (have %s)" % (name, sorted(loaded.maps)))
    fd, info = loaded.maps[name]
    key = bytes.fromhex(upd["key"].replace(" ", "")) if "key" in upd else None
    if "prog" in upd:
        value = struct.pack("<I", loaded.progs[upd["prog"]][0])
    elif "innerMap" in upd:
        value = struct.pack("<I", loaded.maps[upd["innerMap"]][0])
    elif "values" in upd:
        stride = (info["value_size"] + 7) // 8 * 8
        vals = [bytes.fromhex(v.replace(" ", "")) for v in upd["values"]]
        value = b"".join(v + bytes(stride - len(v)) for v in vals)
    else:
        value = bytes.fromhex(upd["value"].replace(" ", ""))
    bpfsys.map_update(fd, info, key, value, bpfsys.UPDATE_FLAGS[upd.get("flags", "any")])


def dump_maps(loaded, ignore):
    """Every recordable map; `ignore` holds map names and map type names to leave out."""
    maps = {}
    for name, (fd, minfo) in sorted(loaded.maps.items()):
        mtype = bpfsys.MAP_TYPES.get(minfo["type"], "")
        if name in ignore or mtype in ignore or mtype in SKIP_DUMP:
            continue
        maps[name] = bpfsys.dump_map(fd, minfo)
    return maps


def run_program(obj_name, obj, info, setup, entry, loader_bin, kernel):
    prog = entry["name"]
    section = dict(info["programs"]).get(prog)
    loaded = Loaded(obj, info, setup.get("type"), loader_bin, obj_name.replace("-", "_"))
    perf_bufs = []
    try:
        if prog not in loaded.progs:
            raise KeyError("%s has no program %r" % (obj_name, prog))
        for upd in setup.get("maps", []) + entry.get("maps", []):
            apply_update(loaded, upd)
        ringbufs, perfs = {}, {}
        for name, (fd, minfo) in loaded.maps.items():
            mtype = bpfsys.MAP_TYPES.get(minfo["type"])
            if mtype == "ringbuf":
                ringbufs[name] = bpfsys.RingBuf(fd, minfo["max_entries"])
            elif mtype == "perf_event_array":
                perfs[name] = []
                for cpu in range(min(minfo["max_entries"], bpfsys.possible_cpus())):
                    pb = bpfsys.PerfBuf(cpu)
                    perf_bufs.append(pb)
                    perfs[name].append(pb)
                    bpfsys.map_update(fd, minfo, struct.pack("<I", cpu), struct.pack("<I", pb.fd))
        prog_fd, ptype = loaded.progs[prog]
        ignore = set(setup.get("ignoreMaps", []))
        snapshot = entry.get("snapshotMaps", setup.get("snapshotMaps", False))
        runs = []
        for spec in entry.get("packets", setup.get("packets", [])):
            data = packets.build(spec)
            run = {"desc": spec.get("desc", ""), "packetIn": data.hex()}
            ctx = bytes.fromhex(spec["ctx"]) if "ctx" in spec else None
            try:
                r0, out, ctx_out = bpfsys.test_run(prog_fd, data, ctx)
                run["r0"] = "0x%x" % r0
                run["packetOut"] = out.hex()
                if ctx_out is not None:
                    run["ctxOut"] = ctx_out.hex()
            except OSError as e:
                run["error"] = errno.errorcode.get(e.errno, str(e.errno))
            if ringbufs:
                run["ringbuf"] = {n: rb.drain() for n, rb in ringbufs.items()}
            if perfs:
                run["perf"] = {n: [s for pb in bufs for s in pb.drain()] for n, bufs in perfs.items()}
            if snapshot:
                run["maps"] = dump_maps(loaded, ignore | {"queue", "stack"})
            runs.append(run)
        maps = dump_maps(loaded, ignore)
        return {
            "kernel": kernel,
            "object": obj_name,
            "program": prog,
            "section": section,
            "type": bpfsys.PROG_TYPES.get(ptype, str(ptype)),
            "cpus": bpfsys.possible_cpus(),
            "runCpu": 0,
            "runs": runs,
            "maps": maps,
        }
    finally:
        for pb in perf_bufs:
            pb.close()
        loaded.close()


def build_loader(tmp):
    exe = os.path.join(tmp, "loader")
    r = subprocess.run(["gcc", "-O2", "-Wall", "-o", exe, os.path.join(HERE, "loader.c")], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("cannot build tools/loader.c:\n" + r.stderr)
    return exe


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="object names (without .o) to process")
    ap.add_argument("--verify-only", action="store_true", help="load every object, write nothing")
    args = ap.parse_args()

    if os.geteuid() != 0 or not os.path.isdir(BPFFS) or not bpfsys.available():
        print("kernel-golden: bpf() is not usable here (need root, a BPF-enabled kernel and bpffs at %s); nothing recorded" % BPFFS)
        return 0
    if not os.path.ismount(BPFFS):
        subprocess.run(["mount", "-t", "bpf", "bpf", BPFFS], check=False)
    if shutil.which("bpftool") is None:
        print("kernel-golden: bpftool not found; nothing recorded")
        return 0
    os.sched_setaffinity(0, {0})
    kernel = os.uname().release
    objdir = os.path.join(CORPUS, "obj")
    golden = os.path.join(CORPUS, "golden")
    names = sorted(f[:-2] for f in os.listdir(objdir) if f.endswith(".o"))
    if args.only:
        names = [n for n in names if n in args.only]
    failures = 0
    verified = {}
    with tempfile.TemporaryDirectory() as tmp:
        loader_bin = None
        for name in names:
            obj = os.path.join(objdir, name + ".o")
            info = elf_info(obj)
            setup_path = os.path.join(CORPUS, "src", name + ".setup.json")
            setup = json.load(open(setup_path)) if os.path.exists(setup_path) else {}
            if info["legacy"] and loader_bin is None:
                loader_bin = build_loader(tmp)
            try:
                loaded = Loaded(obj, info, setup.get("type"), loader_bin, name.replace("-", "_"))
            except RuntimeError as e:
                print("FAIL %s: %s" % (name, e))
                failures += 1
                continue
            verified[name] = {
                "loader": "tools/loader.c" if info["legacy"] else "bpftool prog loadall",
                "programs": {p: bpfsys.PROG_TYPES.get(t, str(t)) for p, (_, t) in loaded.progs.items()},
            }
            loaded.close()
            print("verified %s: %s" % (name, ", ".join(sorted(verified[name]["programs"]))))
            if args.verify_only:
                continue
            for entry in setup.get("programs", []):
                try:
                    doc = run_program(name, obj, info, setup, entry, loader_bin, kernel)
                except (RuntimeError, KeyError, OSError, ValueError, TypeError) as e:
                    print("FAIL %s.%s: %s" % (name, entry["name"], e))
                    failures += 1
                    continue
                write_json(os.path.join(golden, "%s.%s.json" % (name, entry["name"])), doc)
                print("  golden %s.%s: %d runs, r0 %s" % (name, entry["name"], len(doc["runs"]), " ".join(r.get("r0", r.get("error", "?")) for r in doc["runs"])))
    if not args.verify_only and not args.only:
        write_json(os.path.join(golden, "verifier.json"), {"kernel": kernel, "objects": verified})
    print("kernel-golden: %d objects verified, %d failures (kernel %s)" % (len(verified), failures, kernel))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
