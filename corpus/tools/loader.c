/* loader.c: a minimal bpf() loader for objects with a legacy "maps" section.
 *
 * libbpf 1.x refuses struct bpf_map_def in SEC("maps"), so the corpus tools
 * load those objects themselves: parse the ELF64 object, create one map per
 * symbol in "maps" (entry size = section size / symbol count, so the 20-,
 * 28- and 36-byte layouts all work; only the first five u32 fields are used),
 * patch each ld_imm64 relocated against a map symbol with BPF_PSEUDO_MAP_FD,
 * load every executable section except .text as one program, and pin
 * programs at PINDIR/progs/<function> and maps at PINDIR/maps/<symbol>,
 * the same layout `bpftool prog loadall ... pinmaps` produces.
 *
 * Not supported (none of the legacy corpus objects need them): bpf-to-bpf
 * calls into .text, global data sections, map-in-map, BTF.
 *
 * usage: loader OBJ PINDIR [xdp|socket|tc|kprobe|tracepoint]
 * Built by kernel_golden.py with gcc into a temporary directory.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_MAPS 64

static unsigned char *img;
static size_t img_size;
static Elf64_Shdr *shdrs;
static unsigned shnum;
static const char *shstr;

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "loader: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static void *sec_data(unsigned idx, size_t *size)
{
	Elf64_Shdr *s = &shdrs[idx];

	if (s->sh_type == SHT_NOBITS || s->sh_offset + s->sh_size > img_size)
		die("bad section bounds", shstr + s->sh_name);
	*size = s->sh_size;
	return img + s->sh_offset;
}

static int find_section(const char *name)
{
	for (unsigned i = 1; i < shnum; i++)
		if (!strcmp(shstr + shdrs[i].sh_name, name))
			return i;
	return -1;
}

static void read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		die("cannot open", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	img = malloc(n);
	if (!img || fread(img, 1, n, f) != (size_t)n)
		die("cannot read", path);
	img_size = n;
	fclose(f);
}

static int prog_type_of(const char *sec, const char *override)
{
	const char *t = override ? override : sec;

	if (!strncmp(t, "xdp", 3))
		return BPF_PROG_TYPE_XDP;
	if (!strncmp(t, "socket", 6))
		return BPF_PROG_TYPE_SOCKET_FILTER;
	if (!strncmp(t, "classifier", 10) || !strncmp(t, "tc", 2))
		return BPF_PROG_TYPE_SCHED_CLS;
	if (!strncmp(t, "action", 6))
		return BPF_PROG_TYPE_SCHED_ACT;
	if (!strncmp(t, "kprobe", 6) || !strncmp(t, "kretprobe", 9))
		return BPF_PROG_TYPE_KPROBE;
	if (!strncmp(t, "tracepoint", 10))
		return BPF_PROG_TYPE_TRACEPOINT;
	die("cannot tell the program type of section", sec);
	return -1;
}

static void pin(int fd, const char *dir, const char *sub, const char *name)
{
	char path[512];
	union bpf_attr attr;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.bpf_fd = fd;
	if (sys_bpf(BPF_OBJ_PIN, &attr) < 0)
		die("BPF_OBJ_PIN failed", path);
}

int main(int argc, char **argv)
{
	static char log_buf[1 << 20];
	Elf64_Ehdr *eh;
	Elf64_Sym *syms;
	const char *strtab, *license = "GPL";
	size_t sym_size, size;
	int symtab_idx = -1, maps_idx, lic_idx, map_fds[MAX_MAPS];
	unsigned nsyms, map_syms[MAX_MAPS], nmaps = 0;

	if (argc < 3)
		die("usage: loader OBJ PINDIR [TYPE]", NULL);
	read_file(argv[1]);
	eh = (Elf64_Ehdr *)img;
	if (img_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		die("not a little-endian ELF64 object", argv[1]);
	shdrs = (Elf64_Shdr *)(img + eh->e_shoff);
	shnum = eh->e_shnum;
	shstr = (const char *)img + shdrs[eh->e_shstrndx].sh_offset;
	for (unsigned i = 1; i < shnum; i++)
		if (shdrs[i].sh_type == SHT_SYMTAB)
			symtab_idx = i;
	if (symtab_idx < 0)
		die("no symbol table", argv[1]);
	syms = sec_data(symtab_idx, &sym_size);
	nsyms = sym_size / sizeof(Elf64_Sym);
	strtab = sec_data(shdrs[symtab_idx].sh_link, &size);

	lic_idx = find_section("license");
	if (lic_idx > 0)
		license = sec_data(lic_idx, &size);

	/* maps: symbols of the "maps" section ordered by offset */
	maps_idx = find_section("maps");
	if (maps_idx > 0) {
		size_t msize;
		unsigned char *mdata = sec_data(maps_idx, &msize);
		size_t entry;

		for (unsigned i = 0; i < nsyms; i++)
			if (syms[i].st_shndx == maps_idx && syms[i].st_name &&
			    ELF64_ST_TYPE(syms[i].st_info) != STT_SECTION) {
				if (nmaps == MAX_MAPS)
					die("too many maps", NULL);
				map_syms[nmaps++] = i;
			}
		if (!nmaps)
			die("maps section without symbols", NULL);
		entry = msize / nmaps;
		if (entry < 20 || entry * nmaps != msize)
			die("maps section size is not a multiple of the map count", NULL);
		for (unsigned m = 0; m < nmaps; m++) {
			Elf64_Sym *s = &syms[map_syms[m]];
			uint32_t def[5];
			union bpf_attr attr;
			const char *name = strtab + s->st_name;

			if (s->st_value + 20 > msize || s->st_value % entry)
				die("map symbol outside the maps section", name);
			memcpy(def, mdata + s->st_value, sizeof(def));
			memset(&attr, 0, sizeof(attr));
			attr.map_type = def[0];
			attr.key_size = def[1];
			attr.value_size = def[2];
			attr.max_entries = def[3];
			attr.map_flags = def[4];
			strncpy(attr.map_name, name, sizeof(attr.map_name) - 1);
			map_fds[m] = sys_bpf(BPF_MAP_CREATE, &attr);
			if (map_fds[m] < 0) {
				fprintf(stderr, "loader: BPF_MAP_CREATE %s: %s\n", name, strerror(errno));
				return 1;
			}
			pin(map_fds[m], argv[2], "maps", name);
			printf("map %s type=%u key=%u value=%u max=%u flags=%u entry=%zu\n", name,
			       def[0], def[1], def[2], def[3], def[4], entry);
		}
	}

	for (unsigned i = 1; i < shnum; i++) {
		Elf64_Shdr *s = &shdrs[i];
		const char *sec = shstr + s->sh_name;
		struct bpf_insn *insns;
		const char *fname = NULL;
		union bpf_attr attr;
		int fd;

		if (!(s->sh_flags & SHF_EXECINSTR) || s->sh_size == 0)
			continue;
		if (!strcmp(sec, ".text"))
			die("bpf-to-bpf calls into .text are not supported by this loader", NULL);
		insns = malloc(s->sh_size);
		memcpy(insns, sec_data(i, &size), s->sh_size);
		for (unsigned k = 0; k < nsyms; k++)
			if (syms[k].st_shndx == i && ELF64_ST_TYPE(syms[k].st_info) == STT_FUNC) {
				if (fname)
					die("more than one function in section", sec);
				fname = strtab + syms[k].st_name;
			}
		if (!fname)
			die("no function symbol in section", sec);

		/* relocations that target this section */
		for (unsigned r = 1; r < shnum; r++) {
			Elf64_Rel *rel;
			size_t rsize;

			if (shdrs[r].sh_type != SHT_REL || shdrs[r].sh_info != i)
				continue;
			rel = sec_data(r, &rsize);
			for (size_t k = 0; k < rsize / sizeof(*rel); k++) {
				unsigned symi = ELF64_R_SYM(rel[k].r_info);
				size_t at = rel[k].r_offset / sizeof(struct bpf_insn);
				int m = -1;

				for (unsigned j = 0; j < nmaps; j++)
					if (map_syms[j] == symi)
						m = j;
				if (m < 0 || at >= s->sh_size / sizeof(struct bpf_insn) ||
				    insns[at].code != (BPF_LD | BPF_DW | BPF_IMM))
					die("unsupported relocation in section", sec);
				insns[at].src_reg = BPF_PSEUDO_MAP_FD;
				insns[at].imm = map_fds[m];
			}
		}

		memset(&attr, 0, sizeof(attr));
		attr.prog_type = prog_type_of(sec, argc > 3 ? argv[3] : NULL);
		attr.insns = (uint64_t)(uintptr_t)insns;
		attr.insn_cnt = s->sh_size / sizeof(struct bpf_insn);
		attr.license = (uint64_t)(uintptr_t)license;
		attr.log_buf = (uint64_t)(uintptr_t)log_buf;
		attr.log_size = sizeof(log_buf);
		attr.log_level = 1;
		strncpy(attr.prog_name, fname, sizeof(attr.prog_name) - 1);
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
		if (fd < 0) {
			fprintf(stderr, "loader: BPF_PROG_LOAD %s (%s): %s\n%s\n", fname, sec,
				strerror(errno), log_buf);
			return 1;
		}
		pin(fd, argv[2], "progs", fname);
		printf("prog %s section=%s type=%u insns=%u\n", fname, sec, attr.prog_type,
		       attr.insn_cnt);
		free(insns);
	}
	return 0;
}
