#!/bin/sh
# build.sh: rebuild corpus/obj/*.o from corpus/src/*.c with clang (-target bpf).
#
# Objects whose name ends in -v4 are built with -mcpu=v4, all others with
# -mcpu=v3. DWARF is stripped (llvm-strip -g) so the committed objects stay
# small; .BTF and .BTF.ext are kept because libbpf needs them for .maps.
# Without a BPF-capable clang the script says so and exits 0: the committed
# objects are then used as they are.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/src"
obj="$here/obj"

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang-19 clang-18 clang-17 clang; do
		if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
	done
fi
if [ -z "$CLANG" ] || ! "$CLANG" -print-targets 2>/dev/null | grep -q '^ *bpf '; then
	echo "corpus: no clang with the bpf target found; keeping the committed objects in corpus/obj"
	exit 0
fi
STRIP=${STRIP:-}
if [ -z "$STRIP" ]; then
	v=$("$CLANG" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
	for s in "llvm-strip-$v" llvm-strip; do
		if command -v "$s" >/dev/null 2>&1; then STRIP=$s; break; fi
	done
fi

multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
mkdir -p "$obj"
echo "corpus: building with $CLANG"
for f in "$src"/*.c; do
	name=$(basename "$f" .c)
	case "$name" in
	*-v4) cpu=v4 ;;
	*) cpu=v3 ;;
	esac
	"$CLANG" -O2 -g -target bpf -mcpu=$cpu -D__TARGET_ARCH_x86 \
		-I"/usr/include/$multiarch" -I"$src" -idirafter "$here/tools/include" -Wall -Werror \
		-c "$f" -o "$obj/$name.o"
	if [ -n "$STRIP" ]; then "$STRIP" -g "$obj/$name.o"; fi
	echo "  $name.o ($cpu)"
done
