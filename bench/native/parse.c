// parse (bench/programs/parse.s): records of a u16 length and an Ethernet frame, each parsed
// with a bounds check before every header (Ethernet, VLAN tags, IPv4/IPv6, TCP/UDP), counting
// per protocol and summing the ports; the counters folded as in the .s.
#include "kernels.h"

static inline uint64_t be16(const uint8_t *p) { return __builtin_bswap16(ld16(p)); }

uint64_t kernel_parse(uint8_t *mem, uint64_t len) {
  uint64_t ipv4 = 0, ipv6 = 0, tcp = 0, udp = 0, vlan = 0, bad = 0, other = 0, ports = 0;
  uint8_t *next = mem, *end = mem + len;
  for (;;) {
    uint8_t *frame = next + 2;
    if (frame > end) break;
    uint8_t *fend = frame + ld16(next);
    if (fend > end) break;
    next = fend;
    uint8_t *cur = frame + 14;
    if (cur > fend) goto bad;
    uint64_t type = be16(frame + 12), proto;
    if (type == 0x88a8 || type == 0x8100) {
      do {
        vlan++;
        if (cur + 4 > fend) goto bad;
        type = be16(cur + 2);
        cur += 4;
      } while (type == 0x8100);
    }
    if (type == 0x0800) {
      if (cur + 20 > fend) goto bad;
      uint64_t ihl = (cur[0] & 15) << 2;
      if (ihl < 20) goto bad;
      proto = cur[9];
      cur += ihl;
      if (cur > fend) goto bad;
      ipv4++;
    } else if (type == 0x86dd) {
      if (cur + 40 > fend) goto bad;
      proto = cur[6];
      cur += 40;
      ipv6++;
    } else {
      goto other;
    }
    if (proto == 6) {
      if (cur + 20 > fend) goto bad;
      tcp++;
    } else if (proto == 17) {
      if (cur + 8 > fend) goto bad;
      udp++;
    } else {
      goto other;
    }
    ports += be16(cur) + be16(cur + 2);
    continue;
  other:
    other++;
    continue;
  bad:
    bad++;
  }
  uint64_t r = ipv4;
  r = r * 1000003 + ipv6;
  r = r * 1000003 + tcp;
  r = r * 1000003 + udp;
  r = r * 1000003 + vlan;
  r = r * 1000003 + bad;
  r = r * 1000003 + other;
  return r * 1000003 + ports;
}
