;; Every map operation, written once. The module imports the VM's linear memory and serves the
;; JIT (which calls the helper exports directly), the interpreter and the host API (both through
;; the same exports, see runtime.ts). A map is the address of its descriptor in linear memory;
;; descriptors and storage are laid out by layout.ts in this folder, whose offsets this file
;; spells as numbers (keep them in sync: DESC in layout.ts names every field used here).
;;
;; Descriptor (128 bytes, u32 unless marked):
;;    0 type (enum bpf_map_type)   4 key_size      8 value_size     12 max_entries
;;   16 map_flags                 20 stride (value_size rounded up to 8)
;;   24 ncpus (1 unless per-CPU)   28 count (hash, LPM)
;;   32 data: array slots, hash/LPM element pool, queue slots, ring data, perf slots
;;   36 buckets (u32 heads)       40 bucket mask   44 free list head (elements given back)
;;   48 LRU head (most recent)    52 LRU tail (least recent)
;;   56 element size              60 key stride (key_size rounded up to 8)
;;   64 queue head                68 queue tail    72 queue slots (max_entries + 1)
;;   (hash, LPM: 64 next never-used pool element, 68 end of the pool)
;;   76 ring mask (ring: data size - 1; perf: per-slot buffer size - 1)
;;   80 consumer pos (u64)        88 producer pos (u64)
;;   96 ring control page (4 KiB aligned; its first u32 is the descriptor address)
;;  100 perf slots with a buffer 104 perf slot stride   108 array slot stride
;;  112 kind (see Kind in types.ts) 116 LRU flag    120 value is an inner map (deref on lookup)
;;  124 per-CPU flag
;;  (cpumap: 100 holds the number of virtual CPUs)
;;
;; Hash/LPM element: 0 next in bucket / free list, 4 hash, 8 LRU prev, 12 LRU next (LPM
;;   nodes: 0 child 0, 4 child 1, 8 intermediate), 16 key (key stride bytes), then ncpus
;;   values of `stride` bytes.
;; Results follow the kernel: pointers or 0, and 0 or -errno
;; (ENOENT 2, E2BIG 7, EAGAIN 11, EEXIST 17, ENODEV 19, EINVAL 22, ENOSPC 28, EOVERFLOW 75,
;; EOPNOTSUPP 95).
(module
  (import "env" "memory" (memory 1))
  ;; Address of the u32 holding the current virtual CPU (layout.ts CPU_SLOT).
  (import "env" "cpu_slot" (global $cpu_slot i32))

  ;; ------------------------------------------------------------------ utilities

  (func $round8 (param $x i32) (result i32)
    (i32.and (i32.add (local.get $x) (i32.const 7)) (i32.const -8)))

  ;; 1 when n bytes at a and b are equal.
  (func $memeq (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $tail
      (loop $words
        (br_if $tail (i32.lt_u (local.get $n) (i32.const 8)))
        (if (i64.ne (i64.load (local.get $a)) (i64.load (local.get $b)))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))

  ;; FNV-1a over the key bytes with a final avalanche, so bucket = hash & mask spreads well.
  (func $hash (param $p i32) (param $n i32) (result i32)
    (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $h (i32.mul
          (i32.xor (local.get $h) (i32.load8_u (local.get $p)))
          (i32.const 0x01000193)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $bytes)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))

  ;; The CPU whose slot a per-CPU map uses now; 0 for maps that are not per-CPU.
  (func $cur_cpu (param $m i32) (result i32)
    (local $n i32)
    (local.set $n (i32.load offset=24 (local.get $m)))
    (if (result i32) (i32.gt_u (local.get $n) (i32.const 1))
      (then (i32.rem_u (i32.load (global.get $cpu_slot)) (local.get $n)))
      (else (i32.const 0))))

  ;; Write a value into a slot holding ncpus values of `stride` bytes. all = 1: `src` holds
  ;; every CPU's value in the same layout (host updates); otherwise it is one value for the
  ;; current CPU. fresh = 1: the slot is new, so the other CPUs' values start zeroed, as the
  ;; kernel does for elements a program creates.
  (func $store_value (param $m i32) (param $slot i32) (param $src i32) (param $all i32) (param $fresh i32)
    (local $ncpus i32) (local $stride i32)
    (local.set $ncpus (i32.load offset=24 (local.get $m)))
    (local.set $stride (i32.load offset=20 (local.get $m)))
    (if (i32.and (local.get $all) (i32.gt_u (local.get $ncpus) (i32.const 1)))
      (then
        (memory.copy (local.get $slot) (local.get $src)
          (i32.mul (local.get $ncpus) (local.get $stride)))
        (return)))
    (if (local.get $fresh)
      (then (memory.fill (local.get $slot) (i32.const 0)
        (i32.mul (local.get $ncpus) (local.get $stride)))))
    (memory.copy
      (i32.add (local.get $slot) (i32.mul (call $cur_cpu (local.get $m)) (local.get $stride)))
      (local.get $src)
      (i32.load offset=8 (local.get $m))))

  ;; Copy n bytes from src into a ring buffer of mask+1 bytes at logical position pos.
  (func $ring_copy (param $buf i32) (param $mask i32) (param $pos i64) (param $src i32) (param $n i32)
    (local $off i32) (local $first i32)
    (local.set $off (i32.and (i32.wrap_i64 (local.get $pos)) (local.get $mask)))
    (local.set $first (i32.sub (i32.add (local.get $mask) (i32.const 1)) (local.get $off)))
    (if (i32.gt_u (local.get $first) (local.get $n)) (then (local.set $first (local.get $n))))
    (memory.copy (i32.add (local.get $buf) (local.get $off)) (local.get $src) (local.get $first))
    (memory.copy (local.get $buf) (i32.add (local.get $src) (local.get $first))
      (i32.sub (local.get $n) (local.get $first))))

  (func $ring_zero (param $buf i32) (param $mask i32) (param $pos i64) (param $n i32)
    (local $off i32) (local $first i32)
    (local.set $off (i32.and (i32.wrap_i64 (local.get $pos)) (local.get $mask)))
    (local.set $first (i32.sub (i32.add (local.get $mask) (i32.const 1)) (local.get $off)))
    (if (i32.gt_u (local.get $first) (local.get $n)) (then (local.set $first (local.get $n))))
    (memory.fill (i32.add (local.get $buf) (local.get $off)) (i32.const 0) (local.get $first))
    (memory.fill (local.get $buf) (i32.const 0) (i32.sub (local.get $n) (local.get $first))))

  ;; ------------------------------------------------------------------ arrays
  ;; array, percpu array, global data: slot i at data + i * slot_stride, CPU c at + c * stride.
  ;; prog array and array of maps ("fd arrays"): 8-byte slots, u32 value then u32 "present".

  (func $array_slot (param $m i32) (param $idx i32) (result i32)
    (if (i32.ge_u (local.get $idx) (i32.load offset=12 (local.get $m)))
      (then (return (i32.const 0))))
    (i32.add (i32.load offset=32 (local.get $m))
      (i32.mul (local.get $idx) (i32.load offset=108 (local.get $m)))))

  (func $array_lookup (param $m i32) (param $key i32) (param $cpu i32) (result i32)
    (local $s i32)
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const 0))))
    (i32.add (local.get $s) (i32.mul (local.get $cpu) (i32.load offset=20 (local.get $m)))))

  (func $array_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (param $all i32) (result i32)
    (local $s i32)
    (if (i64.gt_u (local.get $flags) (i64.const 2)) (then (return (i32.const -22))))
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    ;; every element of an array exists already: out of range cannot be inserted
    (if (i32.eqz (local.get $s)) (then (return (i32.const -7))))
    (if (i64.eq (local.get $flags) (i64.const 1)) (then (return (i32.const -17))))
    (call $store_value (local.get $m) (local.get $s) (local.get $val) (local.get $all) (i32.const 0))
    (i32.const 0))

  (func $array_next (param $m i32) (param $key i32) (param $next i32) (result i32)
    (local $idx i32) (local $max i32)
    (local.set $max (i32.load offset=12 (local.get $m)))
    (local.set $idx (i32.const 0))
    (if (local.get $key)
      (then
        (local.set $idx (i32.load (local.get $key)))
        (if (i32.lt_u (local.get $idx) (local.get $max))
          (then (local.set $idx (i32.add (local.get $idx) (i32.const 1))))
          (else (local.set $idx (i32.const 0))))))
    (if (i32.ge_u (local.get $idx) (local.get $max)) (then (return (i32.const -2))))
    (i32.store (local.get $next) (local.get $idx))
    (i32.const 0))

  (func $fd_lookup (param $m i32) (param $key i32) (result i32)
    (local $s i32)
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const 0))))
    (if (i32.eqz (i32.load offset=4 (local.get $s))) (then (return (i32.const 0))))
    (local.get $s))

  (func $fd_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (result i32)
    (local $s i32)
    (if (i64.ne (local.get $flags) (i64.const 0)) (then (return (i32.const -22))))
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const -7))))
    (i32.store (local.get $s) (i32.load (local.get $val)))
    (i32.store offset=4 (local.get $s) (i32.const 1))
    (i32.const 0))

  (func $fd_delete (param $m i32) (param $key i32) (result i32)
    (local $s i32)
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const -7))))
    (if (i32.eqz (i32.load offset=4 (local.get $s))) (then (return (i32.const -2))))
    (i64.store (local.get $s) (i64.const 0))
    (i32.const 0))

  ;; ------------------------------------------------------------------ hash maps
  ;; hash, percpu hash, LRU hash, LRU percpu hash, hash of maps. Storage is fixed at creation:
  ;; max_entries elements on a free list plus a power-of-two bucket array; nothing is
  ;; allocated at run time. LRU maps keep a doubly linked recency list and reuse the least
  ;; recently used element when the free list is empty.

;; An element from the pool, or 0 when it is exhausted: first one given back (the free list at
  ;; 44), else the next never-used one (bump pointer at 64, pool end at 68), so creating a map
  ;; writes nothing per element and its initial image is just the descriptor.
  (func $pool_take (param $m i32) (result i32)
    (local $e i32)
    (local.set $e (i32.load offset=44 (local.get $m)))
    (if (local.get $e)
      (then
        (i32.store offset=44 (local.get $m) (i32.load (local.get $e)))
        (return (local.get $e))))
    (local.set $e (i32.load offset=64 (local.get $m)))
    (if (i32.ge_u (local.get $e) (i32.load offset=68 (local.get $m))) (then (return (i32.const 0))))
    (i32.store offset=64 (local.get $m) (i32.add (local.get $e) (i32.load offset=56 (local.get $m))))
    (local.get $e))

    (func $h_find (param $m i32) (param $key i32) (param $h i32) (result i32)
    (local $e i32) (local $ksz i32)
    (local.set $ksz (i32.load offset=4 (local.get $m)))
    (local.set $e (i32.load (i32.add (i32.load offset=36 (local.get $m))
      (i32.shl (i32.and (local.get $h) (i32.load offset=40 (local.get $m))) (i32.const 2)))))
    (block $none
      (loop $chain
        (br_if $none (i32.eqz (local.get $e)))
        (if (i32.eq (i32.load offset=4 (local.get $e)) (local.get $h))
          (then (if (call $memeq (i32.add (local.get $e) (i32.const 16)) (local.get $key) (local.get $ksz))
            (then (return (local.get $e))))))
        (local.set $e (i32.load (local.get $e)))
        (br $chain)))
    (i32.const 0))

  (func $elem_value (param $m i32) (param $e i32) (result i32)
    (i32.add (local.get $e) (i32.add (i32.const 16) (i32.load offset=60 (local.get $m)))))

  ;; Remove e from its bucket chain (singly linked: walk to the link that points at it).
  (func $h_unlink (param $m i32) (param $e i32)
    (local $link i32) (local $cur i32)
    (local.set $link (i32.add (i32.load offset=36 (local.get $m))
      (i32.shl (i32.and (i32.load offset=4 (local.get $e)) (i32.load offset=40 (local.get $m)))
        (i32.const 2))))
    (block $done
      (loop $walk
        (local.set $cur (i32.load (local.get $link)))
        (br_if $done (i32.eqz (local.get $cur)))
        (if (i32.eq (local.get $cur) (local.get $e))
          (then (i32.store (local.get $link) (i32.load (local.get $e))) (return)))
        ;; `next` is at offset 0, so an element is also the address of its own link
        (local.set $link (local.get $cur))
        (br $walk))))

  (func $lru_unlink (param $m i32) (param $e i32)
    (local $prev i32) (local $next i32)
    (local.set $prev (i32.load offset=8 (local.get $e)))
    (local.set $next (i32.load offset=12 (local.get $e)))
    (if (local.get $prev)
      (then (i32.store offset=12 (local.get $prev) (local.get $next)))
      (else (i32.store offset=48 (local.get $m) (local.get $next))))
    (if (local.get $next)
      (then (i32.store offset=8 (local.get $next) (local.get $prev)))
      (else (i32.store offset=52 (local.get $m) (local.get $prev)))))

  (func $lru_push (param $m i32) (param $e i32)
    (local $head i32)
    (local.set $head (i32.load offset=48 (local.get $m)))
    (i32.store offset=8 (local.get $e) (i32.const 0))
    (i32.store offset=12 (local.get $e) (local.get $head))
    (if (local.get $head)
      (then (i32.store offset=8 (local.get $head) (local.get $e)))
      (else (i32.store offset=52 (local.get $m) (local.get $e))))
    (i32.store offset=48 (local.get $m) (local.get $e)))

  (func $lru_touch (param $m i32) (param $e i32)
    (if (i32.ne (i32.load offset=48 (local.get $m)) (local.get $e))
      (then
        (call $lru_unlink (local.get $m) (local.get $e))
        (call $lru_push (local.get $m) (local.get $e)))))

  (func $h_lookup (param $m i32) (param $key i32) (param $cpu i32) (param $touch i32) (result i32)
    (local $e i32)
    (local.set $e (call $h_find (local.get $m) (local.get $key)
      (call $hash (local.get $key) (i32.load offset=4 (local.get $m)))))
    (if (i32.eqz (local.get $e)) (then (return (i32.const 0))))
    (if (i32.and (local.get $touch) (i32.load offset=116 (local.get $m)))
      (then (call $lru_touch (local.get $m) (local.get $e))))
    (i32.add (call $elem_value (local.get $m) (local.get $e))
      (i32.mul (local.get $cpu) (i32.load offset=20 (local.get $m)))))

  (func $h_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (param $all i32) (result i32)
    (local $h i32) (local $e i32) (local $lru i32) (local $bucket i32)
    (if (i64.gt_u (local.get $flags) (i64.const 2)) (then (return (i32.const -22))))
    (local.set $lru (i32.load offset=116 (local.get $m)))
    (local.set $h (call $hash (local.get $key) (i32.load offset=4 (local.get $m))))
    (local.set $e (call $h_find (local.get $m) (local.get $key) (local.get $h)))
    (if (local.get $e)
      (then
        (if (i64.eq (local.get $flags) (i64.const 1)) (then (return (i32.const -17))))
        (call $store_value (local.get $m) (call $elem_value (local.get $m) (local.get $e))
          (local.get $val) (local.get $all) (i32.const 0))
        (if (local.get $lru) (then (call $lru_touch (local.get $m) (local.get $e))))
        (return (i32.const 0))))
    (if (i64.eq (local.get $flags) (i64.const 2)) (then (return (i32.const -2))))
    (local.set $e (call $pool_take (local.get $m)))
    (if (i32.eqz (local.get $e))
      (then
        (if (i32.eqz (local.get $lru)) (then (return (i32.const -7))))
        ;; full LRU map: evict the least recently used element and reuse it
        (local.set $e (i32.load offset=52 (local.get $m)))
        (if (i32.eqz (local.get $e)) (then (return (i32.const -7))))
        (call $h_unlink (local.get $m) (local.get $e))
        (call $lru_unlink (local.get $m) (local.get $e))
        (i32.store offset=28 (local.get $m) (i32.sub (i32.load offset=28 (local.get $m)) (i32.const 1)))))
    (i32.store offset=4 (local.get $e) (local.get $h))
    (memory.copy (i32.add (local.get $e) (i32.const 16)) (local.get $key)
      (i32.load offset=4 (local.get $m)))
    (call $store_value (local.get $m) (call $elem_value (local.get $m) (local.get $e))
      (local.get $val) (local.get $all) (i32.const 1))
    (local.set $bucket (i32.add (i32.load offset=36 (local.get $m))
      (i32.shl (i32.and (local.get $h) (i32.load offset=40 (local.get $m))) (i32.const 2))))
    (i32.store (local.get $e) (i32.load (local.get $bucket)))
    (i32.store (local.get $bucket) (local.get $e))
    (i32.store offset=28 (local.get $m) (i32.add (i32.load offset=28 (local.get $m)) (i32.const 1)))
    (if (local.get $lru) (then (call $lru_push (local.get $m) (local.get $e))))
    (i32.const 0))

  (func $h_release (param $m i32) (param $e i32)
    (call $h_unlink (local.get $m) (local.get $e))
    (if (i32.load offset=116 (local.get $m)) (then (call $lru_unlink (local.get $m) (local.get $e))))
    (i32.store (local.get $e) (i32.load offset=44 (local.get $m)))
    (i32.store offset=44 (local.get $m) (local.get $e))
    (i32.store offset=28 (local.get $m) (i32.sub (i32.load offset=28 (local.get $m)) (i32.const 1))))

  (func $h_delete (param $m i32) (param $key i32) (result i32)
    (local $e i32)
    (local.set $e (call $h_find (local.get $m) (local.get $key)
      (call $hash (local.get $key) (i32.load offset=4 (local.get $m)))))
    (if (i32.eqz (local.get $e)) (then (return (i32.const -2))))
    (call $h_release (local.get $m) (local.get $e))
    (i32.const 0))

  ;; Next key in bucket order; a missing (or null) key restarts from the first, as the kernel.
  (func $h_next (param $m i32) (param $key i32) (param $next i32) (result i32)
    (local $h i32) (local $e i32) (local $b i32) (local $mask i32)
    (local.set $mask (i32.load offset=40 (local.get $m)))
    (local.set $b (i32.const 0))
    (if (local.get $key)
      (then
        (local.set $h (call $hash (local.get $key) (i32.load offset=4 (local.get $m))))
        (local.set $e (call $h_find (local.get $m) (local.get $key) (local.get $h)))
        (if (local.get $e)
          (then
            (local.set $e (i32.load (local.get $e)))
            (local.set $b (i32.add (i32.and (local.get $h) (local.get $mask)) (i32.const 1)))))))
    (block $found
      (loop $buckets
        (br_if $found (local.get $e))
        (if (i32.gt_u (local.get $b) (local.get $mask)) (then (return (i32.const -2))))
        (local.set $e (i32.load (i32.add (i32.load offset=36 (local.get $m))
          (i32.shl (local.get $b) (i32.const 2)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $buckets)))
    (memory.copy (local.get $next) (i32.add (local.get $e) (i32.const 16))
      (i32.load offset=4 (local.get $m)))
    (i32.const 0))

  ;; ------------------------------------------------------------------ LPM trie
  ;; The kernel's algorithm (kernel/bpf/lpm_trie.c): a binary trie whose nodes hold a prefix;
  ;; a node's child 0/1 continues with bit `prefixlen` of the key. Intermediate nodes (flag
  ;; set) join two subtrees and hold no value. Key: u32 prefixlen, then the data in network
  ;; order (most significant bit first). Nodes come from the element pool (2 x max_entries:
  ;; at most max_entries - 1 intermediate nodes) and reuse the element header as
  ;; {0 child 0, 4 child 1, 8 intermediate flag}; the root is bucket 0.

  ;; Leading bits a and b share, at most `limit`.
  (func $lpm_prefix (param $a i32) (param $b i32) (param $limit i32) (result i32)
    (local $i i32) (local $x i32)
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $limit)))
        (local.set $x (i32.xor
          (i32.load8_u (i32.add (local.get $a) (i32.shr_u (local.get $i) (i32.const 3))))
          (i32.load8_u (i32.add (local.get $b) (i32.shr_u (local.get $i) (i32.const 3))))))
        (if (local.get $x)
          (then
            (local.set $i (i32.add (local.get $i) (i32.sub (i32.clz (local.get $x)) (i32.const 24))))
            (br $done)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $bytes)))
    (select (local.get $limit) (local.get $i) (i32.gt_u (local.get $i) (local.get $limit))))

  ;; longest_prefix_match(): bits of `key` that node's prefix matches.
  (func $lpm_matchlen (param $node i32) (param $key i32) (result i32)
    (local $limit i32)
    (local.set $limit (i32.load offset=16 (local.get $node)))
    (if (i32.gt_u (local.get $limit) (i32.load (local.get $key)))
      (then (local.set $limit (i32.load (local.get $key)))))
    (call $lpm_prefix (i32.add (local.get $node) (i32.const 20)) (i32.add (local.get $key) (i32.const 4))
      (local.get $limit)))

  ;; Bit `index` of `data`, most significant bit of byte 0 first.
  (func $lpm_bit (param $data i32) (param $index i32) (result i32)
    (i32.and
      (i32.shr_u (i32.load8_u (i32.add (local.get $data) (i32.shr_u (local.get $index) (i32.const 3))))
        (i32.sub (i32.const 7) (i32.and (local.get $index) (i32.const 7))))
      (i32.const 1)))

  ;; Address of node's child link chosen by bit `index` of `data`.
  (func $lpm_link (param $node i32) (param $data i32) (param $index i32) (result i32)
    (i32.add (local.get $node) (i32.shl (call $lpm_bit (local.get $data) (local.get $index)) (i32.const 2))))

  (func $lpm_max (param $m i32) (result i32)
    (i32.shl (i32.sub (i32.load offset=4 (local.get $m)) (i32.const 4)) (i32.const 3)))

  (func $pool_alloc (param $m i32) (result i32)
    (local $e i32)
    (local.set $e (call $pool_take (local.get $m)))
    (if (i32.eqz (local.get $e)) (then (return (i32.const 0))))
    (i64.store (local.get $e) (i64.const 0))
    (i64.store offset=8 (local.get $e) (i64.const 0))
    (local.get $e))

  (func $pool_free (param $m i32) (param $e i32)
    (i32.store (local.get $e) (i32.load offset=44 (local.get $m)))
    (i32.store offset=44 (local.get $m) (local.get $e)))

  (func $lpm_lookup (param $m i32) (param $key i32) (result i32)
    (local $node i32) (local $found i32) (local $ml i32) (local $max i32)
    (local.set $max (call $lpm_max (local.get $m)))
    (local.set $node (i32.load (i32.load offset=36 (local.get $m))))
    (block $done
      (loop $walk
        (br_if $done (i32.eqz (local.get $node)))
        (local.set $ml (call $lpm_matchlen (local.get $node) (local.get $key)))
        (if (i32.eq (local.get $ml) (local.get $max))
          (then (local.set $found (local.get $node)) (br $done)))
        (br_if $done (i32.lt_u (local.get $ml) (i32.load offset=16 (local.get $node))))
        (if (i32.eqz (i32.load offset=8 (local.get $node)))
          (then (local.set $found (local.get $node))))
        (local.set $node (i32.load (call $lpm_link (local.get $node) (i32.add (local.get $key) (i32.const 4))
          (i32.load offset=16 (local.get $node)))))
        (br $walk)))
    (if (i32.eqz (local.get $found)) (then (return (i32.const 0))))
    (call $elem_value (local.get $m) (local.get $found)))

  (func $lpm_fill (param $m i32) (param $node i32) (param $key i32) (param $val i32) (param $all i32)
    (memory.copy (i32.add (local.get $node) (i32.const 16)) (local.get $key)
      (i32.load offset=4 (local.get $m)))
    (call $store_value (local.get $m) (call $elem_value (local.get $m) (local.get $node))
      (local.get $val) (local.get $all) (i32.const 1)))

  (func $lpm_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (param $all i32) (result i32)
    (local $kplen i32) (local $max i32) (local $slot i32) (local $node i32) (local $ml i32)
    (local $new i32) (local $im i32)
    (if (i64.gt_u (local.get $flags) (i64.const 2)) (then (return (i32.const -22))))
    (local.set $kplen (i32.load (local.get $key)))
    (local.set $max (call $lpm_max (local.get $m)))
    (if (i32.gt_u (local.get $kplen) (local.get $max)) (then (return (i32.const -22))))
    (local.set $slot (i32.load offset=36 (local.get $m)))
    (block $stop
      (loop $walk
        (local.set $node (i32.load (local.get $slot)))
        (br_if $stop (i32.eqz (local.get $node)))
        (local.set $ml (call $lpm_matchlen (local.get $node) (local.get $key)))
        (br_if $stop (i32.ne (i32.load offset=16 (local.get $node)) (local.get $ml)))
        (br_if $stop (i32.eq (i32.load offset=16 (local.get $node)) (local.get $kplen)))
        (br_if $stop (i32.eq (i32.load offset=16 (local.get $node)) (local.get $max)))
        (local.set $slot (call $lpm_link (local.get $node) (i32.add (local.get $key) (i32.const 4))
          (i32.load offset=16 (local.get $node))))
        (br $walk)))
    ;; the exact prefix is there: replace it (or give an intermediate node a value)
    (if (i32.and (i32.ne (local.get $node) (i32.const 0))
                 (i32.eq (i32.load offset=16 (local.get $node)) (local.get $ml)))
      (then
        (if (i32.eqz (i32.load offset=8 (local.get $node)))
          (then
            (if (i64.eq (local.get $flags) (i64.const 1)) (then (return (i32.const -17))))
            (call $lpm_fill (local.get $m) (local.get $node) (local.get $key) (local.get $val) (local.get $all))
            (return (i32.const 0))))
        (if (i64.eq (local.get $flags) (i64.const 2)) (then (return (i32.const -2))))
        (if (i32.ge_u (i32.load offset=28 (local.get $m)) (i32.load offset=12 (local.get $m)))
          (then (return (i32.const -28))))
        (i32.store offset=8 (local.get $node) (i32.const 0))
        (call $lpm_fill (local.get $m) (local.get $node) (local.get $key) (local.get $val) (local.get $all))
        (i32.store offset=28 (local.get $m) (i32.add (i32.load offset=28 (local.get $m)) (i32.const 1)))
        (return (i32.const 0))))
    (if (i64.eq (local.get $flags) (i64.const 2)) (then (return (i32.const -2))))
    ;; the kernel's trie answers ENOSPC, not E2BIG, when full
    (if (i32.ge_u (i32.load offset=28 (local.get $m)) (i32.load offset=12 (local.get $m)))
      (then (return (i32.const -28))))
    (local.set $new (call $pool_alloc (local.get $m)))
    (if (i32.eqz (local.get $new)) (then (return (i32.const -28))))
    (call $lpm_fill (local.get $m) (local.get $new) (local.get $key) (local.get $val) (local.get $all))
    (i32.store offset=28 (local.get $m) (i32.add (i32.load offset=28 (local.get $m)) (i32.const 1)))
    (if (i32.eqz (local.get $node))
      (then (i32.store (local.get $slot) (local.get $new)) (return (i32.const 0))))
    ;; the new prefix contains node: it becomes node's parent
    (if (i32.eq (local.get $ml) (local.get $kplen))
      (then
        (i32.store (call $lpm_link (local.get $new) (i32.add (local.get $node) (i32.const 20)) (local.get $ml))
          (local.get $node))
        (i32.store (local.get $slot) (local.get $new))
        (return (i32.const 0))))
    ;; they diverge after ml bits: join them under an intermediate node
    (local.set $im (call $pool_alloc (local.get $m)))
    (i32.store offset=8 (local.get $im) (i32.const 1))
    (memory.copy (i32.add (local.get $im) (i32.const 16)) (i32.add (local.get $node) (i32.const 16))
      (i32.load offset=4 (local.get $m)))
    (i32.store offset=16 (local.get $im) (local.get $ml))
    (if (call $lpm_bit (i32.add (local.get $key) (i32.const 4)) (local.get $ml))
      (then
        (i32.store (local.get $im) (local.get $node))
        (i32.store offset=4 (local.get $im) (local.get $new)))
      (else
        (i32.store (local.get $im) (local.get $new))
        (i32.store offset=4 (local.get $im) (local.get $node))))
    (i32.store (local.get $slot) (local.get $im))
    (i32.const 0))

  (func $lpm_delete (param $m i32) (param $key i32) (result i32)
    (local $kplen i32) (local $trim i32) (local $trim2 i32) (local $parent i32) (local $node i32)
    (local $ml i32) (local $c0 i32) (local $c1 i32)
    (local.set $kplen (i32.load (local.get $key)))
    (if (i32.gt_u (local.get $kplen) (call $lpm_max (local.get $m))) (then (return (i32.const -22))))
    (local.set $trim (i32.load offset=36 (local.get $m)))
    (local.set $trim2 (local.get $trim))
    (block $stop
      (loop $walk
        (local.set $node (i32.load (local.get $trim)))
        (br_if $stop (i32.eqz (local.get $node)))
        (local.set $ml (call $lpm_matchlen (local.get $node) (local.get $key)))
        (br_if $stop (i32.ne (i32.load offset=16 (local.get $node)) (local.get $ml)))
        (br_if $stop (i32.eq (i32.load offset=16 (local.get $node)) (local.get $kplen)))
        (local.set $parent (local.get $node))
        (local.set $trim2 (local.get $trim))
        (local.set $trim (call $lpm_link (local.get $node) (i32.add (local.get $key) (i32.const 4))
          (i32.load offset=16 (local.get $node))))
        (br $walk)))
    (if (i32.eqz (local.get $node)) (then (return (i32.const -2))))
    (if (i32.or (i32.or (i32.ne (i32.load offset=16 (local.get $node)) (local.get $kplen))
                        (i32.ne (i32.load offset=16 (local.get $node)) (local.get $ml)))
                (i32.load offset=8 (local.get $node)))
      (then (return (i32.const -2))))
    (i32.store offset=28 (local.get $m) (i32.sub (i32.load offset=28 (local.get $m)) (i32.const 1)))
    (local.set $c0 (i32.load (local.get $node)))
    (local.set $c1 (i32.load offset=4 (local.get $node)))
    ;; two children: the node stays as an intermediate one
    (if (i32.and (i32.ne (local.get $c0) (i32.const 0)) (i32.ne (local.get $c1) (i32.const 0)))
      (then (i32.store offset=8 (local.get $node) (i32.const 1)) (return (i32.const 0))))
    ;; a leaf under an intermediate parent: the sibling takes the parent's place
    (if (i32.and (i32.ne (local.get $parent) (i32.const 0))
                 (i32.and (i32.ne (i32.load offset=8 (local.get $parent)) (i32.const 0))
                          (i32.eqz (i32.or (local.get $c0) (local.get $c1)))))
      (then
        (i32.store (local.get $trim2)
          (select (i32.load offset=4 (local.get $parent)) (i32.load (local.get $parent))
            (i32.eq (local.get $node) (i32.load (local.get $parent)))))
        (call $pool_free (local.get $m) (local.get $parent))
        (call $pool_free (local.get $m) (local.get $node))
        (return (i32.const 0))))
    (i32.store (local.get $trim) (select (local.get $c0) (local.get $c1) (local.get $c0)))
    (call $pool_free (local.get $m) (local.get $node))
    (i32.const 0))

  ;; The parent of `node` (0 for the root): follow node's own bits from the root.
  (func $lpm_parent (param $m i32) (param $node i32) (result i32)
    (local $cur i32) (local $parent i32)
    (local.set $cur (i32.load (i32.load offset=36 (local.get $m))))
    (block $done
      (loop $walk
        (br_if $done (i32.eq (local.get $cur) (local.get $node)))
        (if (i32.eqz (local.get $cur)) (then (return (i32.const 0))))
        (local.set $parent (local.get $cur))
        (local.set $cur (i32.load (call $lpm_link (local.get $cur) (i32.add (local.get $node) (i32.const 20))
          (i32.load offset=16 (local.get $cur)))))
        (br $walk)))
    (local.get $parent))

  ;; Next key in the kernel's order: post-order (more specific prefixes before the prefixes
  ;; that contain them), intermediate nodes skipped; a missing key restarts from the first.
  (func $lpm_next (param $m i32) (param $key i32) (param $next i32) (result i32)
    (local $node i32) (local $ml i32) (local $kplen i32) (local $start i32) (local $parent i32)
    (local $found i32)
    (local.set $start (i32.load (i32.load offset=36 (local.get $m))))
    (block $leftmost
      (br_if $leftmost (i32.eqz (local.get $key)))
      (local.set $kplen (i32.load (local.get $key)))
      (br_if $leftmost (i32.gt_u (local.get $kplen) (call $lpm_max (local.get $m))))
      (local.set $node (local.get $start))
      (block $stop
        (loop $walk
          (br_if $stop (i32.eqz (local.get $node)))
          (local.set $ml (call $lpm_matchlen (local.get $node) (local.get $key)))
          (br_if $stop (i32.ne (i32.load offset=16 (local.get $node)) (local.get $ml)))
          (br_if $stop (i32.eq (i32.load offset=16 (local.get $node)) (local.get $kplen)))
          (local.set $node (i32.load (call $lpm_link (local.get $node) (i32.add (local.get $key) (i32.const 4))
            (i32.load offset=16 (local.get $node)))))
          (br $walk)))
      (br_if $leftmost (i32.eqz (local.get $node)))
      (br_if $leftmost (i32.ne (i32.load offset=16 (local.get $node)) (local.get $ml)))
      (br_if $leftmost (i32.load offset=8 (local.get $node)))
      ;; found: climb until a right subtree not visited yet, or a parent with a value
      (loop $up
        (local.set $parent (call $lpm_parent (local.get $m) (local.get $node)))
        (if (i32.eqz (local.get $parent)) (then (return (i32.const -2))))
        (if (i32.eq (i32.load (local.get $parent)) (local.get $node))
          (then
            (local.set $start (i32.load offset=4 (local.get $parent)))
            (br_if $leftmost (local.get $start))))
        (if (i32.eqz (i32.load offset=8 (local.get $parent)))
          (then
            (local.set $found (local.get $parent))
            (br $leftmost)))
        (local.set $node (local.get $parent))
        (br $up)))
    ;; first node in post-order under `start` (unless already found above)
    (if (i32.eqz (local.get $found))
      (then
        (local.set $node (local.get $start))
        (block $done
          (loop $down
            (br_if $done (i32.eqz (local.get $node)))
            (if (i32.load offset=8 (local.get $node))
              (then (local.set $node (i32.load (local.get $node))))
              (else
                (local.set $found (local.get $node))
                (local.set $node (i32.load (local.get $found)))
                (if (i32.eqz (local.get $node))
                  (then (local.set $node (i32.load offset=4 (local.get $found)))))))
            (br $down)))))
    (if (i32.eqz (local.get $found)) (then (return (i32.const -2))))
    (memory.copy (local.get $next) (i32.add (local.get $found) (i32.const 16))
      (i32.load offset=4 (local.get $m)))
    (i32.const 0))

  ;; ------------------------------------------------------------------ queue and stack
  ;; The kernel's layout: max_entries + 1 slots of value_size bytes, head (next write) and
  ;; tail (oldest); empty when head == tail, full when head + 1 == tail.

  (func $qs_next (param $m i32) (param $i i32) (result i32)
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (if (result i32) (i32.ge_u (local.get $i) (i32.load offset=72 (local.get $m)))
      (then (i32.const 0)) (else (local.get $i))))

  (func $qs_push (param $m i32) (param $val i32) (param $flags i64) (result i32)
    (local $head i32) (local $vsz i32)
    (if (i32.and (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 5))
                 (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 6)))
      (then (return (i32.const -22))))
    (if (i32.or (i64.eq (local.get $flags) (i64.const 1)) (i64.gt_u (local.get $flags) (i64.const 2)))
      (then (return (i32.const -22))))
    (local.set $head (i32.load offset=64 (local.get $m)))
    (local.set $vsz (i32.load offset=8 (local.get $m)))
    (if (i32.eq (call $qs_next (local.get $m) (local.get $head)) (i32.load offset=68 (local.get $m)))
      (then
        (if (i64.ne (local.get $flags) (i64.const 2)) (then (return (i32.const -7))))
        ;; BPF_EXIST on a full queue or stack drops the oldest element
        (i32.store offset=68 (local.get $m) (call $qs_next (local.get $m) (i32.load offset=68 (local.get $m))))))
    (memory.copy (i32.add (i32.load offset=32 (local.get $m)) (i32.mul (local.get $head) (local.get $vsz)))
      (local.get $val) (local.get $vsz))
    (i32.store offset=64 (local.get $m) (call $qs_next (local.get $m) (local.get $head)))
    (i32.const 0))

  ;; pop (delete = 1) or peek. An empty map zeroes the output and returns -ENOENT.
  (func $qs_get (param $m i32) (param $val i32) (param $delete i32) (result i32)
    (local $kind i32) (local $vsz i32) (local $idx i32)
    (local.set $kind (i32.load offset=112 (local.get $m)))
    (if (i32.and (i32.ne (local.get $kind) (i32.const 5)) (i32.ne (local.get $kind) (i32.const 6)))
      (then (return (i32.const -22))))
    (local.set $vsz (i32.load offset=8 (local.get $m)))
    (if (i32.eq (i32.load offset=64 (local.get $m)) (i32.load offset=68 (local.get $m)))
      (then
        (memory.fill (local.get $val) (i32.const 0) (local.get $vsz))
        (return (i32.const -2))))
    (if (i32.eq (local.get $kind) (i32.const 5))
      (then
        (local.set $idx (i32.load offset=68 (local.get $m)))
        (if (local.get $delete)
          (then (i32.store offset=68 (local.get $m) (call $qs_next (local.get $m) (local.get $idx))))))
      (else
        (local.set $idx (i32.load offset=64 (local.get $m)))
        (if (i32.eqz (local.get $idx))
          (then (local.set $idx (i32.load offset=72 (local.get $m)))))
        (local.set $idx (i32.sub (local.get $idx) (i32.const 1)))
        (if (local.get $delete) (then (i32.store offset=64 (local.get $m) (local.get $idx))))))
    (memory.copy (local.get $val)
      (i32.add (i32.load offset=32 (local.get $m)) (i32.mul (local.get $idx) (local.get $vsz)))
      (local.get $vsz))
    (i32.const 0))

  ;; ------------------------------------------------------------------ ring buffer
  ;; Records as in the kernel: 8-byte header {u32 len | BUSY (bit 31) | DISCARD (bit 30),
  ;; u32 pg_off}, data, padding to 8. pg_off counts pages from the ring's control page to
  ;; the header's page, which is how submit/discard find the ring from a sample pointer.
  ;; The kernel maps the data pages twice so a record that wraps is contiguous; here `mask+1`
  ;; spare bytes follow the data and submit copies a wrapped tail back to the start.

  (func $rb_reserve (param $m i32) (param $size i64) (param $flags i64) (result i32)
    (local $len i64) (local $cons i64) (local $prod i64) (local $hdr i32) (local $mask i32)
    (if (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 7)) (then (return (i32.const 0))))
    (if (i64.ne (local.get $flags) (i64.const 0)) (then (return (i32.const 0))))
    ;; RINGBUF_MAX_RECORD_SZ = UINT_MAX / 4
    (if (i64.gt_u (local.get $size) (i64.const 0x3fffffff)) (then (return (i32.const 0))))
    (local.set $mask (i32.load offset=76 (local.get $m)))
    (local.set $len (i64.and (i64.add (local.get $size) (i64.const 15)) (i64.const -8)))
    (if (i64.gt_u (local.get $len) (i64.extend_i32_u (i32.add (local.get $mask) (i32.const 1))))
      (then (return (i32.const 0))))
    (local.set $cons (i64.load offset=80 (local.get $m)))
    (local.set $prod (i64.load offset=88 (local.get $m)))
    (if (i64.gt_u (i64.sub (i64.add (local.get $prod) (local.get $len)) (local.get $cons))
                  (i64.extend_i32_u (local.get $mask)))
      (then (return (i32.const 0))))
    (local.set $hdr (i32.add (i32.load offset=32 (local.get $m))
      (i32.and (i32.wrap_i64 (local.get $prod)) (local.get $mask))))
    (i32.store (local.get $hdr) (i32.or (i32.wrap_i64 (local.get $size)) (i32.const 0x80000000)))
    (i32.store offset=4 (local.get $hdr)
      (i32.shr_u (i32.sub (i32.and (local.get $hdr) (i32.const -4096))
                          (i32.load offset=96 (local.get $m)))
                 (i32.const 12)))
    (i64.store offset=88 (local.get $m) (i64.add (local.get $prod) (local.get $len)))
    (i32.add (local.get $hdr) (i32.const 8)))

  ;; Commit (discard = 0) or discard a reserved sample. Pointers that are not a busy record
  ;; of a ring buffer are ignored (only unverified programs can pass them).
  (func $rb_commit (param $sample i32) (param $discard i32)
    (local $hdr i32) (local $page i32) (local $m i32) (local $data i32) (local $size i32)
    (local $len i32) (local $end i32)
    (if (i32.lt_u (local.get $sample) (i32.const 0x2008)) (then (return)))
    (local.set $hdr (i32.sub (local.get $sample) (i32.const 8)))
    (local.set $page (i32.sub (i32.and (local.get $hdr) (i32.const -4096))
      (i32.shl (i32.load offset=4 (local.get $hdr)) (i32.const 12))))
    (local.set $m (i32.load (local.get $page)))
    (if (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 7)) (then (return)))
    (if (i32.ne (i32.load offset=96 (local.get $m)) (local.get $page)) (then (return)))
    (local.set $data (i32.load offset=32 (local.get $m)))
    (local.set $size (i32.add (i32.load offset=76 (local.get $m)) (i32.const 1)))
    (if (i32.or (i32.lt_u (local.get $hdr) (local.get $data))
                (i32.ge_u (local.get $hdr) (i32.add (local.get $data) (local.get $size))))
      (then (return)))
    (local.set $len (i32.load (local.get $hdr)))
    (if (i32.eqz (i32.and (local.get $len) (i32.const 0x80000000))) (then (return)))
    (local.set $len (i32.and (local.get $len) (i32.const 0x3fffffff)))
    (local.set $end (i32.add (i32.sub (local.get $hdr) (local.get $data))
      (call $round8 (i32.add (local.get $len) (i32.const 8)))))
    (if (i32.gt_u (local.get $end) (local.get $size))
      (then (memory.copy (local.get $data) (i32.add (local.get $data) (local.get $size))
        (i32.sub (local.get $end) (local.get $size)))))
    ;; clearing BUSY publishes the record, so it is the last store
    (i32.store (local.get $hdr)
      (i32.or (local.get $len) (select (i32.const 0x40000000) (i32.const 0) (local.get $discard)))))

  (func $rb_output (param $m i32) (param $src i32) (param $size i64) (param $flags i64) (result i32)
    (local $p i32)
    (if (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 7)) (then (return (i32.const -22))))
    ;; BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP are the only flags; wakeups do not apply here
    (if (i64.ne (i64.and (local.get $flags) (i64.const -4)) (i64.const 0))
      (then (return (i32.const -22))))
    (local.set $p (call $rb_reserve (local.get $m) (local.get $size) (i64.const 0)))
    (if (i32.eqz (local.get $p)) (then (return (i32.const -11))))
    (memory.copy (local.get $p) (local.get $src) (i32.wrap_i64 (local.get $size)))
    (call $rb_commit (local.get $p) (i32.const 0))
    (i32.const 0))

  (func $rb_query (param $m i32) (param $flags i64) (result i64)
    (local $cons i64) (local $prod i64)
    (if (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 7)) (then (return (i64.const 0))))
    (local.set $cons (i64.load offset=80 (local.get $m)))
    (local.set $prod (i64.load offset=88 (local.get $m)))
    (block $unknown (block $prodpos (block $conspos (block $size (block $avail
      (br_table $avail $size $conspos $prodpos $unknown
        (i32.wrap_i64 (select (local.get $flags) (i64.const 4)
          (i64.lt_u (local.get $flags) (i64.const 4))))))
      (return (i64.sub (local.get $prod) (local.get $cons))))
      (return (i64.extend_i32_u (i32.add (i32.load offset=76 (local.get $m)) (i32.const 1)))))
      (return (local.get $cons)))
      (return (local.get $prod)))
    (i64.const 0))

  ;; ------------------------------------------------------------------ perf event array
  ;; One buffer per slot below `perf slots` (one per virtual CPU): 32-byte header {u64 head
  ;; (producer), u64 tail (consumer), u64 lost}, then mask+1 bytes. A record is a
  ;; PERF_RECORD_SAMPLE: {u32 type = 9, u16 misc, u16 size}, u32 raw size, raw data, padded so
  ;; the whole record is a multiple of 8 bytes (raw size counts the padding, as perf does).

  (func $perf_output (param $m i32) (param $flags i64) (param $src i32) (param $size i64) (result i32)
    (local $idx i32) (local $slot i32) (local $mask i32) (local $total i32)
    (local $head i64) (local $tail i64) (local $buf i32)
    (if (i32.ne (i32.load offset=112 (local.get $m)) (i32.const 8)) (then (return (i32.const -22))))
    ;; only BPF_F_INDEX_MASK bits; BPF_F_CTXLEN_MASK (skb/xdp payload) is not supported
    (if (i64.ne (i64.shr_u (local.get $flags) (i64.const 32)) (i64.const 0))
      (then (return (i32.const -22))))
    (local.set $idx (i32.wrap_i64 (local.get $flags)))
    (if (i32.eq (local.get $idx) (i32.const -1))
      (then (local.set $idx (i32.load (global.get $cpu_slot)))))
    (if (i32.ge_u (local.get $idx) (i32.load offset=12 (local.get $m))) (then (return (i32.const -7))))
    ;; a slot with no buffer is a perf event array entry no perf event was opened for
    (if (i32.ge_u (local.get $idx) (i32.load offset=100 (local.get $m))) (then (return (i32.const -2))))
    (if (i64.gt_u (local.get $size) (i64.const 0xffe0)) (then (return (i32.const -7))))
    (local.set $total (call $round8 (i32.add (i32.wrap_i64 (local.get $size)) (i32.const 12))))
    (local.set $mask (i32.load offset=76 (local.get $m)))
    (local.set $slot (i32.add (i32.load offset=32 (local.get $m))
      (i32.mul (local.get $idx) (i32.load offset=104 (local.get $m)))))
    (local.set $buf (i32.add (local.get $slot) (i32.const 32)))
    (local.set $head (i64.load (local.get $slot)))
    (local.set $tail (i64.load offset=8 (local.get $slot)))
    (if (i64.gt_u (i64.add (i64.sub (local.get $head) (local.get $tail)) (i64.extend_i32_u (local.get $total)))
                  (i64.extend_i32_u (i32.add (local.get $mask) (i32.const 1))))
      (then
        (i64.store offset=16 (local.get $slot) (i64.add (i64.load offset=16 (local.get $slot)) (i64.const 1)))
        (return (i32.const -28))))
    ;; header and raw size are 8-aligned, so they never straddle the end of the buffer
    (i64.store (i32.add (local.get $buf) (i32.and (i32.wrap_i64 (local.get $head)) (local.get $mask)))
      (i64.or (i64.const 9) (i64.shl (i64.extend_i32_u (local.get $total)) (i64.const 48))))
    (i32.store (i32.add (local.get $buf)
        (i32.and (i32.add (i32.wrap_i64 (local.get $head)) (i32.const 8)) (local.get $mask)))
      (i32.sub (local.get $total) (i32.const 12)))
    (call $ring_copy (local.get $buf) (local.get $mask) (i64.add (local.get $head) (i64.const 12))
      (local.get $src) (i32.wrap_i64 (local.get $size)))
    (call $ring_zero (local.get $buf) (local.get $mask)
      (i64.add (local.get $head) (i64.add (i64.const 12) (local.get $size)))
      (i32.sub (i32.sub (local.get $total) (i32.const 12)) (i32.wrap_i64 (local.get $size))))
    (i64.store (local.get $slot) (i64.add (local.get $head) (i64.extend_i32_u (local.get $total))))
    (i32.const 0))

  ;; ------------------------------------------------------------------ devmap, cpumap
  ;; devmap and cpumap (kind 9): 8-byte array slots {u32 ifindex or queue size, u32 prog id};
  ;; a slot is empty when its first word is 0, as the kernel keeps no entry for ifindex or
  ;; queue size 0. devmap_hash (kind 10): the hash code above with the same 8-byte value.
  ;; The VM has no devices and no program fds: any non-zero ifindex is accepted, a prog fd > 0
  ;; is -EINVAL (the kernel's answer for an fd that is no devmap/cpumap program) and the prog id
  ;; reads 0. Programs may look entries up (read-only) but not change them (-EOPNOTSUPP; the
  ;; kernel's verifier refuses the call).

  (func $is_dev (param $m i32) (result i32)
    (i32.ge_u (i32.load offset=112 (local.get $m)) (i32.const 9)))

  ;; The prog fd of an update value: its second word when the value is 8 bytes; a 4-byte value
  ;; has none (the kernel defaults it to -1 or 0, "no program").
  (func $dev_prog_fd (param $m i32) (param $val i32) (result i32)
    (if (result i32) (i32.eq (i32.load offset=8 (local.get $m)) (i32.const 8))
      (then (i32.load offset=4 (local.get $val)))
      (else (i32.const 0))))

  (func $dev_lookup (param $m i32) (param $key i32) (result i32)
    (local $s i32)
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const 0))))
    (if (i32.eqz (i32.load (local.get $s))) (then (return (i32.const 0))))
    (local.get $s))

  ;; dev_map_update_elem / cpu_map_update_elem: every slot exists (NOEXIST is -EEXIST), and
  ;; 0 in the first word empties the slot.
  (func $dev_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (result i32)
    (local $s i32) (local $idx i32) (local $v i32) (local $cpumap i32)
    (if (i64.gt_u (local.get $flags) (i64.const 2)) (then (return (i32.const -22))))
    (local.set $idx (i32.load (local.get $key)))
    (local.set $s (call $array_slot (local.get $m) (local.get $idx)))
    (if (i32.eqz (local.get $s)) (then (return (i32.const -7))))
    (if (i64.eq (local.get $flags) (i64.const 1)) (then (return (i32.const -17))))
    (local.set $v (i32.load (local.get $val)))
    (local.set $cpumap (i32.eq (i32.load (local.get $m)) (i32.const 16)))
    (if (local.get $cpumap)
      (then
        ;; the kernel's sanity limit on the queue size, then "is this a possible CPU"
        (if (i32.gt_u (local.get $v) (i32.const 16384)) (then (return (i32.const -75))))
        (if (i32.ge_u (local.get $idx) (i32.load offset=100 (local.get $m)))
          (then (return (i32.const -19))))))
    ;; a cpumap ignores the fd when it empties a slot; a devmap refuses it
    (if (i32.gt_s (call $dev_prog_fd (local.get $m) (local.get $val)) (i32.const 0))
      (then (if (i32.or (local.get $v) (i32.eqz (local.get $cpumap)))
        (then (return (i32.const -22))))))
    (i32.store (local.get $s) (local.get $v))
    (i32.store offset=4 (local.get $s) (i32.const 0))
    (i32.const 0))

  ;; Deleting an empty slot succeeds, as in the kernel; only an out-of-range key fails.
  (func $dev_delete (param $m i32) (param $key i32) (result i32)
    (local $s i32)
    (local.set $s (call $array_slot (local.get $m) (i32.load (local.get $key))))
    (if (i32.eqz (local.get $s)) (then (return (i32.const -22))))
    (i64.store (local.get $s) (i64.const 0))
    (i32.const 0))

  ;; __dev_map_hash_update_elem: ifindex 0 names no device (-EINVAL), and BPF_EXIST is not
  ;; checked (a missing key is inserted).
  (func $devh_update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (result i32)
    (local $r i32)
    (if (i64.gt_u (local.get $flags) (i64.const 2)) (then (return (i32.const -22))))
    (if (i32.eqz (i32.load (local.get $val))) (then (return (i32.const -22))))
    (if (i32.gt_s (call $dev_prog_fd (local.get $m) (local.get $val)) (i32.const 0))
      (then (return (i32.const -22))))
    (local.set $r (call $h_update (local.get $m) (local.get $key) (local.get $val)
      (select (i64.const 0) (local.get $flags) (i64.eq (local.get $flags) (i64.const 2)))
      (i32.const 1)))
    (if (local.get $r) (then (return (local.get $r))))
    ;; the stored value reports prog id 0 where the update gave an fd
    (if (i32.eq (i32.load offset=8 (local.get $m)) (i32.const 8))
      (then (i32.store offset=4
        (call $h_lookup (local.get $m) (local.get $key) (i32.const 0) (i32.const 0))
        (i32.const 0))))
    (i32.const 0))

  ;; ------------------------------------------------------------------ dispatch
  ;; kind (descriptor +112): 0 none, 1 hash, 2 array, 3 fd array, 4 LPM, 5 queue, 6 stack,
  ;; 7 ring buffer, 8 perf event array, 9 devmap/cpumap, 10 devmap_hash.

  ;; Address of the value for `key` on CPU `cpu`, or 0. touch = 1 updates LRU recency
  ;; (program lookups do, host lookups do not, as in the kernel).
  (func $lookup (param $m i32) (param $key i32) (param $cpu i32) (param $touch i32) (result i32)
    (block $other (block $devh (block $dev (block $lpm (block $fd (block $array (block $hash
      (br_table $other $hash $array $fd $lpm $other $other $other $other $dev $devh $other
        (i32.load offset=112 (local.get $m))))
      (return (call $h_lookup (local.get $m) (local.get $key) (local.get $cpu) (local.get $touch))))
      (return (call $array_lookup (local.get $m) (local.get $key) (local.get $cpu))))
      (return (call $fd_lookup (local.get $m) (local.get $key))))
      (return (call $lpm_lookup (local.get $m) (local.get $key))))
      (return (call $dev_lookup (local.get $m) (local.get $key))))
      (return (call $h_lookup (local.get $m) (local.get $key) (i32.const 0) (i32.const 0))))
    (i32.const 0))

  (func $update (param $m i32) (param $key i32) (param $val i32) (param $flags i64) (param $all i32) (result i32)
    (block $other (block $devh (block $dev (block $lpm (block $fd (block $array (block $hash
      (br_table $other $hash $array $fd $lpm $other $other $other $other $dev $devh $other
        (i32.load offset=112 (local.get $m))))
      (return (call $h_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags) (local.get $all))))
      (return (call $array_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags) (local.get $all))))
      (return (call $fd_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags))))
      (return (call $lpm_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags) (local.get $all))))
      (return (call $dev_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags))))
      (return (call $devh_update (local.get $m) (local.get $key) (local.get $val) (local.get $flags))))
    (i32.const -22))

  (func $delete (param $m i32) (param $key i32) (result i32)
    (block $other (block $devh (block $dev (block $lpm (block $fd (block $array (block $hash
      (br_table $other $hash $array $fd $lpm $other $other $other $other $dev $devh $other
        (i32.load offset=112 (local.get $m))))
      (return (call $h_delete (local.get $m) (local.get $key))))
      ;; array elements cannot be deleted
      (return (i32.const -22)))
      (return (call $fd_delete (local.get $m) (local.get $key))))
      (return (call $lpm_delete (local.get $m) (local.get $key))))
      (return (call $dev_delete (local.get $m) (local.get $key))))
      (return (call $h_delete (local.get $m) (local.get $key))))
    (i32.const -22))

  (func $next_key (param $m i32) (param $key i32) (param $next i32) (result i32)
    (block $other (block $devh (block $dev (block $lpm (block $fd (block $array (block $hash
      (br_table $other $hash $array $fd $lpm $other $other $other $other $dev $devh $other
        (i32.load offset=112 (local.get $m))))
      (return (call $h_next (local.get $m) (local.get $key) (local.get $next))))
      (return (call $array_next (local.get $m) (local.get $key) (local.get $next))))
      (return (call $array_next (local.get $m) (local.get $key) (local.get $next))))
      (return (call $lpm_next (local.get $m) (local.get $key) (local.get $next))))
      ;; every index, empty or not, as dev_map_get_next_key / cpu_map_get_next_key
      (return (call $array_next (local.get $m) (local.get $key) (local.get $next))))
      (return (call $h_next (local.get $m) (local.get $key) (local.get $next))))
    (i32.const -22))

  ;; ------------------------------------------------------------------ helper exports
  ;; The eBPF helper ABI: (r1, r2, r3, r4, r5) -> r0, all i64.

  ;; 1: void *bpf_map_lookup_elem(map, key). Maps of maps return the inner map itself.
  (func (export "map_lookup_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (local $m i32) (local $a i32)
    (local.set $m (i32.wrap_i64 (local.get $r1)))
    (local.set $a (call $lookup (local.get $m) (i32.wrap_i64 (local.get $r2))
      (call $cur_cpu (local.get $m)) (i32.const 1)))
    (if (i32.and (i32.ne (local.get $a) (i32.const 0)) (i32.load offset=120 (local.get $m)))
      (then (local.set $a (i32.load (local.get $a)))))
    (i64.extend_i32_u (local.get $a)))

  ;; 2: long bpf_map_update_elem(map, key, value, flags)
  (func (export "map_update_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (if (call $is_dev (i32.wrap_i64 (local.get $r1))) (then (return (i64.const -95))))
    (i64.extend_i32_s (call $update (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2))
      (i32.wrap_i64 (local.get $r3)) (local.get $r4) (i32.const 0))))

  ;; 3: long bpf_map_delete_elem(map, key)
  (func (export "map_delete_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (if (call $is_dev (i32.wrap_i64 (local.get $r1))) (then (return (i64.const -95))))
    (i64.extend_i32_s (call $delete (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2)))))

  ;; 25: long bpf_perf_event_output(ctx, map, flags, data, size)
  (func (export "perf_event_output") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_s (call $perf_output (i32.wrap_i64 (local.get $r2)) (local.get $r3)
      (i32.wrap_i64 (local.get $r4)) (local.get $r5))))

  ;; 87: long bpf_map_push_elem(map, value, flags)
  (func (export "map_push_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_s (call $qs_push (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2))
      (local.get $r3))))

  ;; 88: long bpf_map_pop_elem(map, value)
  (func (export "map_pop_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_s (call $qs_get (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2))
      (i32.const 1))))

  ;; 89: long bpf_map_peek_elem(map, value)
  (func (export "map_peek_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_s (call $qs_get (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2))
      (i32.const 0))))

  ;; 130: long bpf_ringbuf_output(ringbuf, data, size, flags)
  (func (export "ringbuf_output") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_s (call $rb_output (i32.wrap_i64 (local.get $r1)) (i32.wrap_i64 (local.get $r2))
      (local.get $r3) (local.get $r4))))

  ;; 131: void *bpf_ringbuf_reserve(ringbuf, size, flags)
  (func (export "ringbuf_reserve") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (i64.extend_i32_u (call $rb_reserve (i32.wrap_i64 (local.get $r1)) (local.get $r2) (local.get $r3))))

  ;; 132: void bpf_ringbuf_submit(data, flags)
  (func (export "ringbuf_submit") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (call $rb_commit (i32.wrap_i64 (local.get $r1)) (i32.const 0))
    (i64.const 0))

  ;; 133: void bpf_ringbuf_discard(data, flags)
  (func (export "ringbuf_discard") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (call $rb_commit (i32.wrap_i64 (local.get $r1)) (i32.const 1))
    (i64.const 0))

  ;; 134: u64 bpf_ringbuf_query(ringbuf, flags)
  (func (export "ringbuf_query") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (call $rb_query (i32.wrap_i64 (local.get $r1)) (local.get $r2)))

  ;; 195: void *bpf_map_lookup_percpu_elem(map, key, cpu)
  (func (export "map_lookup_percpu_elem") (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (result i64)
    (local $m i32)
    (local.set $m (i32.wrap_i64 (local.get $r1)))
    (if (i32.eqz (i32.load offset=124 (local.get $m))) (then (return (i64.const 0))))
    (if (i64.ge_u (local.get $r3) (i64.extend_i32_u (i32.load offset=24 (local.get $m))))
      (then (return (i64.const 0))))
    (i64.extend_i32_u (call $lookup (local.get $m) (i32.wrap_i64 (local.get $r2))
      (i32.wrap_i64 (local.get $r3)) (i32.const 1))))

  ;; ------------------------------------------------------------------ host and runtime entries
  ;; i32 arguments (cheap to call from JS). key = 0 means "no key" for next_key.

  ;; Value address for key on CPU cpu, without touching LRU order; 0 when absent.
  (func (export "host_lookup") (param $m i32) (param $key i32) (param $cpu i32) (result i32)
    (call $lookup (local.get $m) (local.get $key) (local.get $cpu) (i32.const 0)))
  ;; Update with `vals` holding every CPU's value (ncpus x stride bytes) for per-CPU maps.
  (func (export "host_update") (param $m i32) (param $key i32) (param $vals i32) (param $flags i64) (result i32)
    (call $update (local.get $m) (local.get $key) (local.get $vals) (local.get $flags) (i32.const 1)))
  (func (export "host_delete") (param $m i32) (param $key i32) (result i32)
    (call $delete (local.get $m) (local.get $key)))
  (func (export "host_next_key") (param $m i32) (param $key i32) (param $next i32) (result i32)
    (call $next_key (local.get $m) (local.get $key) (local.get $next)))
  ;; Program id in slot `index` of a prog array, or -1 when the slot is empty or out of range.
  (func (export "tail_call_target") (param $m i32) (param $index i32) (result i32)
    (local $s i32)
    (if (i32.ne (i32.load (local.get $m)) (i32.const 3)) (then (return (i32.const -1))))
    (local.set $s (call $array_slot (local.get $m) (local.get $index)))
    (if (i32.eqz (local.get $s)) (then (return (i32.const -1))))
    (if (i32.eqz (i32.load offset=4 (local.get $s))) (then (return (i32.const -1))))
    (i32.load (local.get $s)))
)
