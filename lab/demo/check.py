#!/usr/bin/env python3
"""Check a demo or lab run: failover time seen by the client, and overlaps in the ownership log.

usage: check.py PROBE_FILE OWNERSHIP_LOG FAULT_NS [CRASHED_NODE]
The ownership log has lines "<unix ns> <node> <resource> start_invoke|start_ok|stop_invoke|stop_ok|..." and
"<unix ns> <node> - crash" for a node whose processes were killed. Definite ownership of a resource on a node is
[start_ok, stop_invoke]; possible ownership is [start_invoke, stop_ok] (FAULTS.md 2.16). Exit 1 on a definite overlap.
"""
import sys
from collections import defaultdict

probe_file, own_file, fault_ns = sys.argv[1], sys.argv[2], int(sys.argv[3])
answers = [(int(t), n) for t, n in (line.split() for line in open(probe_file) if line.strip())]
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
both = sum(1 for i in range(1, len(answers)) if answers[i][1] != answers[i - 1][1] and answers[i][0] - answers[i - 1][0] < 5_000_000)
print(f"client answers: {len(before)} before the fault, {len(after)} after; owner switches seen by the client: "
      f"{sum(1 for i in range(1, len(answers)) if answers[i][1] != answers[i - 1][1])}")

events = defaultdict(list)
crashes = {}
for line in open(own_file):
    parts = line.split()
    if len(parts) != 4:
        continue
    t, node, rsc, what = int(parts[0]), parts[1], parts[2], parts[3]
    if what == "crash":
        crashes[node] = t
    else:
        events[(node, rsc)].append((t, what))

end = max([t for ev in events.values() for t, _ in ev] + list(crashes.values()) + [0]) + 1
intervals = defaultdict(list)  # rsc -> (node, definite_start, definite_end, possible_start, possible_end)
for (node, rsc), ev in events.items():
    ev.sort()
    cur = None
    for t, what in ev:
        if what == "start_invoke":
            cur = {"ps": t, "ds": None}
        elif what == "start_ok" and cur:
            cur["ds"] = t
        elif what == "stop_invoke" and cur:
            cur["de"] = t
        elif what in ("stop_ok", "start_failed") and cur:
            stop = crashes.get(node, end)
            intervals[rsc].append((node, cur["ds"], cur.get("de", t), cur["ps"], t))
            cur = None
    if cur:  # still running, or killed with its node
        stop = crashes.get(node, end)
        intervals[rsc].append((node, cur["ds"], cur.get("de", stop), cur["ps"], stop))

definite = possible = 0
for rsc, ivs in intervals.items():
    for i in range(len(ivs)):
        for j in range(i + 1, len(ivs)):
            a, b = ivs[i], ivs[j]
            if a[0] == b[0]:
                continue
            if max(a[3], b[3]) < min(a[4], b[4]):
                possible += 1
            if a[1] and b[1] and max(a[1], b[1]) < min(a[2], b[2]):
                definite += 1
                print(f"DEFINITE OVERLAP of {rsc}: {a[0]} and {b[0]}")
print(f"ownership log: {sum(len(v) for v in intervals.values())} ownership intervals, definite overlaps {definite}, possible overlaps {possible}")
sys.exit(1 if definite else 0)
