#!/usr/bin/env python3
"""Check a demo or lab run: failover time seen by the client, and overlaps in the ownership log.

usage: check.py PROBE_FILE OWNERSHIP_LOG FAULT_NS [CRASHED_NODE]
The ownership log has lines "<unix ns> <node> <resource> start_invoke|start_ok|stop_invoke|stop_ok|stop_killed|..." (stop_killed: ended by the
hard kill) and
"<unix ns> <node> - crash" for a node whose processes were killed. Definite ownership of a resource on a node is
[start_ok, stop_invoke]; possible ownership is [start_invoke, stop_ok] (FAULTS.md 2.16). A crash line ends every
interval of that node open at that instant; a node may crash, restart and crash again. Exit 1 on a definite overlap.
Also printed: every handover of a resource from one node to another with its stop-before-start margin (the new
node's start_invoke minus the old node's stop_ok or crash; FAULTS.md S3), negative when they may have overlapped.
"""
import sys
from collections import defaultdict

probe_file, own_file, fault_ns = sys.argv[1], sys.argv[2], int(sys.argv[3])
answers = []
for line in open(probe_file):
    parts = line.split()
    if len(parts) == 2 and parts[0].isdigit():  # a line being written may be cut short
        answers.append((int(parts[0]), parts[1]))
before = [a for a in answers if a[0] < fault_ns]
after = [a for a in answers if a[0] >= fault_ns]
old = before[-1][1] if before else None
new_first = next((a for a in after if a[1] != old), None)
if new_first:
    last_old = max((a[0] for a in answers if a[1] == old and a[0] < new_first[0]), default=fault_ns)
    print(f"failover: last answer from {old} {((last_old - fault_ns) / 1e6):+.0f} ms after the fault, "
          f"first answer from {new_first[1]} {(new_first[0] - fault_ns) / 1e6:.0f} ms after the fault")
else:
    print("failover: no answer from another node after the fault")
print(f"client answers: {len(before)} before the fault, {len(after)} after; owner switches seen by the client: "
      f"{sum(1 for i in range(1, len(answers)) if answers[i][1] != answers[i - 1][1])}")

events = defaultdict(list)  # (node, resource) -> [(t, what)]
crashes = defaultdict(list)  # node -> [t]
for line in open(own_file):
    parts = line.split()
    if len(parts) != 4 or not parts[0].isdigit():
        continue
    t, node, rsc, what = int(parts[0]), parts[1], parts[2], parts[3]
    if what == "crash":
        crashes[node].append(t)
    elif rsc != "-":
        events[(node, rsc)].append((t, what))

# the end of the observation: what still runs at the end of the log ran at least until the client's last answer
end = max([t for ev in events.values() for t, _ in ev] + [t for ts in crashes.values() for t in ts] + [a[0] for a in answers[-1:]] + [0]) + 1
# rsc -> [(node, definite_start or None, definite_end, possible_start, possible_end, how it ended)]
intervals = defaultdict(list)
for (node, rsc), ev in events.items():
    ev = sorted(ev + [(t, "crash") for t in crashes[node]])
    cur = None

    def close(t, how):
        intervals[rsc].append((node, cur["ds"], cur.get("de", t), cur["ps"], t, how))

    for t, what in ev:
        if what == "start_invoke":
            if cur is None:  # a second start of a running resource does not end its interval
                cur = {"ps": t, "ds": None}
        elif what == "start_ok" and cur:
            if cur["ds"] is None:
                cur["ds"] = t
        elif what == "stop_invoke" and cur:
            cur.setdefault("de", t)
        elif what in ("stop_ok", "stop_killed", "start_failed") and cur:
            close(t, what)
            cur = None
        elif what == "crash" and cur:  # killed with its node
            close(t, "crash")
            cur = None
    if cur:  # still running at the end of the log
        close(end, "running")

definite = possible = 0
for rsc, ivs in sorted(intervals.items()):
    for i in range(len(ivs)):
        for j in range(i + 1, len(ivs)):
            a, b = ivs[i], ivs[j]
            if a[0] == b[0]:
                continue
            if max(a[3], b[3]) < min(a[4], b[4]):
                possible += 1
            if a[1] and b[1] and max(a[1], b[1]) < min(a[2], b[2]):
                definite += 1
                print(f"DEFINITE OVERLAP of {rsc}: {a[0]} and {b[0]} for {(min(a[2], b[2]) - max(a[1], b[1])) / 1e6:.1f} ms")
    ordered = sorted(ivs, key=lambda iv: iv[3])
    for prev, nxt in zip(ordered, ordered[1:]):
        if prev[0] != nxt[0]:
            if prev[5] == "running":
                print(f"handover of {rsc}: {prev[0]} -> {nxt[0]}, {nxt[0]} start_invoke while {prev[0]} never stopped it")
            else:
                print(f"handover of {rsc}: {prev[0]} -> {nxt[0]}, {nxt[0]} start_invoke {(nxt[3] - prev[4]) / 1e6:+.1f} ms "
                      f"after {prev[0]}'s {prev[5]}")
print(f"ownership log: {sum(len(v) for v in intervals.values())} ownership intervals, definite overlaps {definite}, possible overlaps {possible}")
sys.exit(1 if definite else 0)
