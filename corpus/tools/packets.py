"""packets.py: builds test packets from the layer lists in corpus/src/*.setup.json.

A packet is either {"hex": "..."} or {"layers": [...]} plus optional
"truncate" (cut to N bytes) and "pad" (zero-pad to at least N bytes).
Layers, outermost first, each a one-key object:
  {"eth": {"dst", "src", "type"}}        type defaults from the next layer
  {"vlan": {"id", "pcp", "type"}}        802.1Q tag (type 0x8100 in the outer header)
  {"arp": {"op", "sha", "spa", "tha", "tpa"}}
  {"ipv4": {"src", "dst", "ttl", "tos", "id", "proto", "df", "frag", "options", "tot_len", "check"}}
  {"ipv6": {"src", "dst", "hlim", "tc", "flow", "nh", "plen"}}
  {"ipv6ext": {"type": "hop"|"routing"|"dst", "len"}}  extension header, 8*(len+1) bytes
  {"tcp": {"sport", "dport", "seq", "ack", "flags", "win", "check"}}  flags as letters "SAFRPU"
  {"udp": {"sport", "dport", "check"}}
  {"icmp": {"type", "code", "id", "seq"}} / {"icmpv6": {...}}
  {"payload": "text"} / {"raw": "hex"}
Lengths, next-protocol fields and checksums are computed unless given.
"""

import socket
import struct

ETH_TYPES = {"ipv4": 0x0800, "ipv6": 0x86DD, "vlan": 0x8100, "arp": 0x0806}
IP_PROTOS = {
    "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv4": 4, "ipv6": 41,
}
EXT_TYPES = {"hop": 0, "routing": 43, "dst": 60}
TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _kind(layer):
    (k,) = layer.keys()
    return k


def _next_kind(layers, i):
    return _kind(layers[i + 1]) if i + 1 < len(layers) else None


def _pseudo(layers, i, proto, length):
    """Pseudo header of the nearest enclosing IP layer, for TCP/UDP/ICMPv6 sums."""
    for j in range(i - 1, -1, -1):
        k = _kind(layers[j])
        f = layers[j][k]
        if k == "ipv4":
            return ip4(f["src"]) + ip4(f["dst"]) + struct.pack("!BBH", 0, proto, length)
        if k == "ipv6":
            return ip6(f["src"]) + ip6(f["dst"]) + struct.pack("!IxxxB", length, proto)
    return b""


def _proto_of(layers, i):
    nk = _next_kind(layers, i)
    if nk == "ipv6ext":
        return EXT_TYPES[layers[i + 1]["ipv6ext"]["type"]]
    return IP_PROTOS.get(nk, 59 if nk is None else 255)


def _layer(layers, i, inner):
    k = _kind(layers[i])
    f = layers[i][k]
    nk = _next_kind(layers, i)
    if k == "payload":
        return f.encode() + inner
    if k == "raw":
        return bytes.fromhex(f.replace(" ", "")) + inner
    if k == "eth":
        t = f.get("type", ETH_TYPES.get(nk, 0x88B5))
        return mac(f.get("dst", "02:00:00:00:00:02")) + mac(f.get("src", "02:00:00:00:00:01")) + struct.pack("!H", t) + inner
    if k == "vlan":
        t = f.get("type", ETH_TYPES.get(nk, 0x88B5))
        tci = (f.get("pcp", 0) << 13) | f.get("id", 1)
        return struct.pack("!HH", tci, t) + inner
    if k == "arp":
        return struct.pack("!HHBBH", 1, 0x0800, 6, 4, f.get("op", 1)) + mac(f.get("sha", "02:00:00:00:00:01")) + ip4(f.get("spa", "10.0.0.1")) + mac(f.get("tha", "00:00:00:00:00:00")) + ip4(f.get("tpa", "10.0.0.2")) + inner
    if k == "ipv4":
        opts = bytes.fromhex(f.get("options", ""))
        ihl = 5 + len(opts) // 4
        frag = f.get("frag", 0) | (0x4000 if f.get("df", True) else 0)
        tot = f.get("tot_len", 20 + len(opts) + len(inner))
        proto = f.get("proto", _proto_of(layers, i))
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, f.get("tos", 0), tot, f.get("id", 0), frag, f.get("ttl", 64), proto, 0, ip4(f["src"]), ip4(f["dst"])) + opts
        c = f.get("check", csum(h))
        return h[:10] + struct.pack("!H", c) + h[12:] + inner
    if k == "ipv6":
        nh = f.get("nh", _proto_of(layers, i))
        vtf = (6 << 28) | (f.get("tc", 0) << 20) | f.get("flow", 0)
        plen = f.get("plen", len(inner))
        return struct.pack("!IHBB", vtf, plen, nh, f.get("hlim", 64)) + ip6(f["src"]) + ip6(f["dst"]) + inner
    if k == "ipv6ext":
        n = f.get("len", 0)
        body = bytes(8 * (n + 1) - 2)
        return struct.pack("!BB", _proto_of(layers, i), n) + body + inner
    if k == "tcp":
        flags = 0
        for ch in f.get("flags", "S"):
            flags |= TCP_FLAGS[ch]
        h = struct.pack("!HHIIBBHHH", f["sport"], f["dport"], f.get("seq", 1), f.get("ack", 0), 5 << 4, flags, f.get("win", 65535), 0, 0)
        c = f.get("check", csum(_pseudo(layers, i, 6, len(h) + len(inner)) + h + inner))
        return h[:16] + struct.pack("!H", c) + h[18:] + inner
    if k == "udp":
        length = 8 + len(inner)
        h = struct.pack("!HHHH", f["sport"], f["dport"], length, 0)
        c = f.get("check", csum(_pseudo(layers, i, 17, length) + h + inner) or 0xFFFF)
        return h[:6] + struct.pack("!H", c) + inner
    if k in ("icmp", "icmpv6"):
        h = struct.pack("!BBHHH", f.get("type", 8 if k == "icmp" else 128), f.get("code", 0), 0, f.get("id", 1), f.get("seq", 1))
        pseudo = _pseudo(layers, i, 58, len(h) + len(inner)) if k == "icmpv6" else b""
        c = f.get("check", csum(pseudo + h + inner))
        return h[:2] + struct.pack("!H", c) + h[4:] + inner
    raise ValueError("unknown packet layer %r" % k)


def build(spec):
    """Returns the bytes of one packet spec."""
    if "hex" in spec:
        data = bytes.fromhex(spec["hex"].replace(" ", ""))
    else:
        layers = spec["layers"]
        data = b""
        for i in range(len(layers) - 1, -1, -1):
            data = _layer(layers, i, data)
    if "truncate" in spec:
        data = data[: spec["truncate"]]
    if "pad" in spec and len(data) < spec["pad"]:
        data += bytes(spec["pad"] - len(data))
    return data
