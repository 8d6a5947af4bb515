#!/usr/bin/python3
"""SplitGuard frame forger for the lab's robustness tests (standard library only).

Sends malformed, forged, replayed and foreign frames at a daemon's UDP port, class by class, and
prints one JSON object with the number of datagrams sent per class (only datagrams the kernel
accepted for sending are counted). Every class is built so that the receiving daemon's checks
(src/SplitGuard.Core/Links/HeartbeatEngine.Receive.cs, HeartbeatFrame.TryParse) drop it for exactly
that reason; the class names are the daemon's drop-counter names (FrameError names).

  forge_frames.py --key FILE --target IP [--port 5405] [--bind IP] --classes a,b,... --count N
                  [--cluster 1] [--local 1] [--peer 2] [--udp-link 1] [--icmp-link 2]
                  [--peer-incarnation INC] [--rate FRAMES_PER_S] [--seed S]

  --local      the target daemon's node id (the frames' receiver); --peer the node id we pretend to be
  --peer-incarnation
               the real peer's current incarnation (its `status --json` daemon.incarnation);
               `replayed` frames use an older incarnation, or this one with sequence numbers the
               target has long seen (1..50), so they are correctly MAC'd but stale.
  --bind       source address (must be local to the namespace the script runs in)
  --capture-replays N --copies K
               also capture N real frames the peer's daemon sends (AF_PACKET, so run it in the peer's namespace
               with --bind the peer's address), wait until the target has long accepted them, and re-send
               each K times, byte for byte: counted as `replayed` too.

Classes: truncated bad_magic bad_version bad_length bad_mac bad_kind foreign_cluster unknown_sender
wrong_receiver unknown_link wrong_source replayed.
  wrong_source from the peer's address uses the peer's icmp link id over UDP (an icmp link's frames
  must come from its witness); sent from any other address it uses the udp link id.

Frame layout (docs/protocol.md, HeartbeatFrame.cs), big-endian:
   0 magic u32 'SGHB'  4 version u8  5 kind u8  6 status u8  7 flags u8
   8 cluster u16  10 sender u16  12 receiver u16  14 link u16
  16 sequence u32  20 ack u32  24 incarnation u64  32 sender time u64
  40 lease term u32  44 lease holder u16  46 reserved u16  48 payload length u16  50 reserved u16
  52 payload, then HMAC-SHA256(key, everything before) truncated to 16 bytes.
"""

import argparse
import hashlib
import hmac
import json
import random
import socket
import struct
import sys
import time

MAGIC = 0x53474842
VERSION = 1
HEADER = 52
MAC = 16
MAX_PAYLOAD = 1024
KIND_HEARTBEAT, KIND_HOP = 1, 2
STATUS_MIN, STATUS_MAX = 1, 4

CLASSES = [
    "truncated", "bad_magic", "bad_version", "bad_length", "bad_mac", "bad_kind", "foreign_cluster",
    "unknown_sender", "wrong_receiver", "unknown_link", "wrong_source", "replayed",
]


def read_key(path):
    with open(path, "rb") as f:
        data = f.read()
    # the daemon trims trailing newlines, then one trailing carriage return (KeyFile.Read)
    data = data.rstrip(b"\n")
    if data.endswith(b"\r"):
        data = data[:-1]
    return data


class Forger:
    def __init__(self, key, args, rng):
        self.key = key
        self.a = args
        self.rng = rng
        self.wrong_key = hashlib.sha256(b"not the cluster key" + key).digest()

    def header(self, *, version=VERSION, kind=KIND_HEARTBEAT, status=STATUS_MIN, flags=1, cluster=None,
               sender=None, receiver=None, link=None, seq=None, ack=0, inc=None, plen=0):
        a, r = self.a, self.rng
        return struct.pack(
            ">IBBBBHHHHIIQQIHHHH",
            MAGIC, version, kind, status, flags,
            a.cluster if cluster is None else cluster,
            a.peer if sender is None else sender,
            a.local if receiver is None else receiver,
            a.udp_link if link is None else link,
            r.randrange(1, 2**32) if seq is None else seq,
            ack,
            r.randrange(1, 2**63) if inc is None else inc,
            r.randrange(0, 2**40), 0, 0, 0, plen, 0)

    def mac(self, body, key=None):
        return hmac.new(self.key if key is None else key, body, hashlib.sha256).digest()[:MAC]

    def signed(self, payload=b"", **fields):
        body = self.header(plen=len(payload), **fields) + payload
        return body + self.mac(body)

    def payload(self):
        return bytes(self.rng.randrange(256) for _ in range(self.rng.choice([0, 0, 0, 4, 32, 100])))

    def foreign_cluster_id(self):
        while True:
            c = self.rng.randrange(0, 65536)
            if c != self.a.cluster:
                return c

    def non_member(self):
        while True:
            n = self.rng.randrange(0, 65536)
            if n not in (self.a.local, self.a.peer):
                return n

    # ---- one builder per class -------------------------------------------------------------

    def truncated(self, i):
        r = self.rng
        v = i % 4
        if v == 0:
            # shorter than the magic
            return bytes(r.randrange(256) for _ in range(r.randrange(0, 4)))
        if v == 1:
            # the magic, then less than a header
            return struct.pack(">I", MAGIC) + bytes(r.randrange(256) for _ in range(r.randrange(0, HEADER - 4)))
        if v == 2:
            # a whole header that routes to the real link, but no room for the MAC
            frame = self.signed()
            return frame[:r.randrange(HEADER, HEADER + MAC)]
        # a payload length that claims more bytes than the datagram holds
        payload = self.payload()
        claimed = len(payload) + r.randrange(1, 200)
        body = self.header(plen=claimed) + payload
        return body + self.mac(body)

    def bad_magic(self, i):
        r = self.rng
        n = r.randrange(4, 300)
        data = bytearray(r.randrange(256) for _ in range(n))
        while struct.unpack(">I", bytes(data[:4]))[0] == MAGIC:
            data[0] ^= 0xFF
        if i % 3 == 0:
            # otherwise a perfect frame: only the magic is wrong
            frame = bytearray(self.signed())
            frame[r.randrange(4)] ^= 1 << r.randrange(8)
            return bytes(frame)
        return bytes(data)

    def bad_version(self, i):
        version = self.rng.choice([0, 2, 3, 0x7F, 0xFF])
        return self.signed(self.payload(), version=version)

    def bad_length(self, i):
        r = self.rng
        v = i % 3
        if v == 0:
            # trailing bytes after the MAC
            return self.signed(self.payload()) + bytes(r.randrange(256) for _ in range(r.randrange(1, 64)))
        if v == 1:
            # a payload length above the maximum, with every byte present
            plen = MAX_PAYLOAD + 1 + r.randrange(0, 50)
            payload = bytes(r.randrange(256) for _ in range(plen))
            return self.signed(payload)
        # payload length 0 but bytes in between
        body = self.header(plen=0) + bytes(r.randrange(256) for _ in range(r.randrange(1, 40)))
        return body + self.mac(body)

    def bad_mac(self, i):
        r = self.rng
        v = i % 3
        body = self.header(plen=0, seq=r.randrange(2**31, 2**32), inc=2**63 + r.randrange(2**62))
        if v == 0:
            return body + self.mac(body, self.wrong_key)
        if v == 1:
            return body + bytes(r.randrange(256) for _ in range(MAC))
        good = bytearray(body + self.mac(body))
        # flip one bit of the signed part (not the routing fields, which would change the reason)
        pos = r.randrange(16, HEADER)
        if pos in (48, 49):
            pos = 20
        good[pos] ^= 1 << r.randrange(8)
        return bytes(good)

    def bad_kind(self, i):
        r = self.rng
        v = i % 3
        if v == 0:
            # a hop probe (valid kind, wrong for a peer's frame)
            return self.signed(kind=KIND_HOP, seq=r.randrange(2**31, 2**32), inc=2**63)
        if v == 1:
            return self.signed(kind=r.choice([0, 3, 9, 0xFF]))
        return self.signed(status=r.choice([0, 5, 0x80, 0xFF]))

    def foreign_cluster(self, i):
        r = self.rng
        if i % 2 == 0:
            return self.signed(cluster=self.foreign_cluster_id())
        # another cluster's key and id: a perfectly good frame of someone else's cluster
        body = self.header(cluster=self.foreign_cluster_id(), sender=r.randrange(65536), receiver=r.randrange(65536),
                           link=r.randrange(65536))
        return body + self.mac(body, self.wrong_key)

    def unknown_sender(self, i):
        r = self.rng
        if i % 3 == 0:
            # claims to be the receiver itself, addressed to someone else
            receiver = self.a.peer if r.random() < 0.5 else self.non_member()
            return self.signed(sender=self.a.local, receiver=receiver)
        return self.signed(sender=self.non_member(), receiver=self.a.local if r.random() < 0.7 else r.randrange(65536))

    def wrong_receiver(self, i):
        receiver = self.a.peer if i % 4 == 0 else self.non_member()
        return self.signed(receiver=receiver)

    def unknown_link(self, i):
        r = self.rng
        if i % 4 == 0:
            # a hop reply (sender = receiver = us) arriving over UDP
            return self.signed(sender=self.a.local, receiver=self.a.local, kind=KIND_HOP,
                               link=r.choice([self.a.udp_link, self.a.icmp_link]))
        while True:
            link = r.randrange(65536)
            if link not in (self.a.udp_link, self.a.icmp_link):
                return self.signed(link=link)

    def wrong_source(self, i):
        r = self.rng
        link = self.a.icmp_link if self.a.source_is_peer else self.a.udp_link
        return self.signed(link=link, seq=r.randrange(2**31, 2**32), inc=2**63 + r.randrange(2**62))

    def replayed(self, i):
        r = self.rng
        inc = self.a.peer_incarnation
        if i % 2 == 0 and inc > 1:
            # an older incarnation (a frame recorded before the peer restarted), any sequence number
            return self.signed(inc=r.randrange(1, inc), seq=r.randrange(1, 2**32), ack=r.randrange(0, 2**32))
        # the current incarnation with a sequence number the receiver has long seen
        return self.signed(inc=inc, seq=r.randrange(1, 51), ack=r.randrange(0, 2**32))


def capture_real_frames(source, target, port, count, timeout=10.0):
    """Byte-for-byte copies of the next COUNT UDP payloads SOURCE sends to TARGET:PORT, seen by an AF_PACKET socket."""
    eth_p_all = 0x0003
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(eth_p_all))
    sniffer.settimeout(0.5)
    src, dst = socket.inet_aton(source), socket.inet_aton(target)
    frames = []
    deadline = time.monotonic() + timeout
    try:
        while len(frames) < count and time.monotonic() < deadline:
            try:
                packet, address = sniffer.recvfrom(65535)
            except socket.timeout:
                continue
            # address = (ifname, proto, pkttype, hatype, hwaddr); ethernet (hatype 1) carries a 14-byte header
            offset = 14 if address[3] == 1 else 0
            ip = packet[offset:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17 or ip[12:16] != src or ip[16:20] != dst:
                continue
            ihl = (ip[0] & 0x0F) * 4
            udp = ip[ihl:]
            if len(udp) < 8 or struct.unpack(">H", udp[2:4])[0] != port:
                continue
            length = struct.unpack(">H", udp[4:6])[0]
            payload = bytes(udp[8:length])
            if payload not in frames:
                frames.append(payload)
    finally:
        sniffer.close()
    return frames


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--key", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--port", type=int, default=5405)
    p.add_argument("--bind", default=None)
    p.add_argument("--classes", default=",".join(CLASSES))
    p.add_argument("--count", type=int, default=1000, help="datagrams per class")
    p.add_argument("--cluster", type=int, default=1)
    p.add_argument("--local", type=int, default=1)
    p.add_argument("--peer", type=int, default=2)
    p.add_argument("--udp-link", type=int, default=1)
    p.add_argument("--icmp-link", type=int, default=2)
    p.add_argument("--peer-incarnation", type=int, default=0)
    p.add_argument("--source-is-peer", type=int, choices=[0, 1], default=1,
                   help="1 when sending from the peer's address (wrong_source then uses the icmp link id)")
    p.add_argument("--rate", type=float, default=4000.0, help="datagrams per second (paced, in bursts of 20)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--capture-replays", type=int, default=0, help="real frames of the peer to capture and re-send")
    p.add_argument("--copies", type=int, default=10, help="copies of each captured frame")
    a = p.parse_args()

    classes = [c for c in a.classes.split(",") if c]
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        p.error("unknown classes: " + ", ".join(unknown))
    if "replayed" in classes and a.peer_incarnation <= 1:
        p.error("replayed needs --peer-incarnation (the real peer's current incarnation)")
    if "wrong_source" in classes and a.source_is_peer and a.icmp_link < 0:
        p.error("wrong_source from the peer's address needs --icmp-link")
    if a.capture_replays and not a.bind:
        p.error("--capture-replays needs --bind (the real peer's address)")

    seed = a.seed if a.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    forger = Forger(read_key(a.key), a, rng)

    # build everything first so sending is paced evenly
    frames = []
    for c in classes:
        build = getattr(forger, c)
        for i in range(a.count):
            frames.append((c, build(i)))
    captured = 0
    if a.capture_replays:
        real = capture_real_frames(a.bind, a.target, a.port, a.capture_replays)
        if len(real) < a.capture_replays:
            print(json.dumps({"error": f"captured only {len(real)} of {a.capture_replays} real frames"}))
            return 3
        captured = len(real)
        # the target accepted the originals within milliseconds; make sure, then their copies are stale
        time.sleep(0.5)
        for data in real:
            for _ in range(a.copies):
                frames.append(("replayed", data))
        sent_classes = set(classes) | {"replayed"}
        classes = [c for c in CLASSES if c in sent_classes]
    rng.shuffle(frames)

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    sent = {c: 0 for c in classes}
    errors = {c: 0 for c in classes}
    burst = 20
    start = time.monotonic()
    for n, (c, data) in enumerate(frames):
        try:
            s.sendto(data, (a.target, a.port))
            sent[c] += 1
        except OSError:
            errors[c] += 1
        if (n + 1) % burst == 0 and a.rate > 0:
            due = start + (n + 1) / a.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    elapsed = time.monotonic() - start
    json.dump({"seed": seed, "sent": sent, "send_errors": errors, "total": sum(sent.values()),
               "captured_real_frames": captured, "seconds": round(elapsed, 3), "source": s.getsockname()[0]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
