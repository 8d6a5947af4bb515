#!/usr/bin/env python3
"""Probe a service address every 10 ms over UDP and record which node answered.

usage: probe.py IP PORT OUT_FILE     (runs until SIGTERM; writes "<unix ns> <node>" per answer)
"""
import signal
import socket
import sys
import time

ip, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
seq = 0
sent = {}
with open(out, "w", buffering=1) as f, open(out + ".trace", "w", buffering=1) as trace:
    next_send = time.monotonic()
    last = next_send
    while not stop:
        now = time.monotonic()
        if now - last > 0.02:
            # the client itself did not run: a gap in its answers is then not (only) the service's
            trace.write(f"{time.time_ns()} stall {(now - last) * 1000:.1f}\n")
        last = now
        if now >= next_send:
            seq += 1
            sent[seq] = now
            try:
                s.sendto(str(seq).encode(), (ip, port))
            except OSError:
                pass
            next_send += 0.01
        try:
            while True:
                data, _ = s.recvfrom(2048)
                f.write(f"{time.time_ns()} {data.split()[0].decode()}\n")
                parts = data.split()
                asked = sent.pop(int(parts[1]), None) if len(parts) > 1 and parts[1].isdigit() else None
                if asked is not None and time.monotonic() - asked > 0.02:
                    trace.write(f"{time.time_ns()} late {int(parts[1])} {(time.monotonic() - asked) * 1000:.1f}\n")
        except (BlockingIOError, OSError):
            pass
        time.sleep(0.001)
