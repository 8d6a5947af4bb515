#!/usr/bin/env python3
"""Overlap checker for the shared ownership log (FAULTS.md 2.16), used by bench/faults and bench/failover.

usage: ownership.py OWNERSHIP_LOG [--offsets FILE]     exit 1 on a definite overlap

The log has lines "<unix ns> <node> <resource> start_invoke|start_ok|start_failed|stop_invoke|stop_ok|stop_killed|stop_failed"
(stop_killed: the hard kill at the hard deadline ended it, not cleanly)
written by the daemons (and their guard processes), and "<unix ns> <node> - crash" written by a harness when it
killed every process of a node. Definite ownership of a resource on a node is [start_ok, stop_invoke]; possible
ownership is [start_invoke, stop_ok] (Jepsen-style uncertainty for operations in flight). A crash ends every interval
of that node open at that instant. A stop_failed leaves the resource possibly running: the possible interval stays
open until a later stop_ok or crash (the definite one ends at stop_invoke).

Clock offsets: a node run under libfaketime stamps its lines with a faked wall clock. --offsets names a file of
lines "<real unix ns> <node> <offset seconds>" (the harness writes one each time it changes a node's offset); a
line of that node stamped t is moved back to t - offset, with the offset in force at that (corrected) instant.
"""
import sys
from collections import defaultdict

ACTIVE_STARTS = ("start_invoke",)


def load_offsets(path):
    """-> {node: [(real_ns, offset_ns)]} sorted by time."""
    offs = defaultdict(list)
    if not path:
        return offs
    for line in open(path):
        p = line.split()
        if len(p) == 3 and p[0].isdigit():
            offs[p[1]].append((int(p[0]), int(float(p[2]) * 1e9)))
    for v in offs.values():
        v.sort()
    return offs


def candidates(t, node, offs, slack=1_000_000_000):
    """Real times a line of `node` stamped t may have: t - offset for each offset whose validity window
    [set, next set) (widened by `slack` for lines stamped just before a change and written just after) holds it."""
    changes = offs.get(node)
    if not changes:
        return [t]
    bounds = [(-(1 << 62), 0)] + changes
    out = []
    for k, (start, off) in enumerate(bounds):
        end = bounds[k + 1][0] if k + 1 < len(bounds) else 1 << 62
        real = t - off
        if start - slack <= real < end + slack:
            out.append(real)
    return out or [t - bounds[-1][1]]


def parse(path, offs=None):
    """Lines are appended in real-time order (under flock), so among a faked line's candidate real times the one
    closest to the previous line's real time (and not before it by more than the slack) is taken."""
    offs = offs or {}
    events = defaultdict(list)  # (node, rsc) -> [(t, what)]
    crashes = defaultdict(list)
    last = 0
    anchor = None
    for line in open(path, errors="replace"):
        parts = line.split()
        if len(parts) != 4 or not parts[0].isdigit():
            continue
        node, rsc, what = parts[1], parts[2], parts[3]
        cands = candidates(int(parts[0]), node, offs)
        if anchor is None or len(cands) == 1:
            t = cands[0]  # the first line of a run comes before any clock change
        else:
            ok = [c for c in cands if c >= anchor - 1_000_000_000]
            t = min(ok, key=lambda c: abs(c - anchor)) if ok else max(cands)
        anchor = t if anchor is None else max(anchor, t)
        last = max(last, t)
        if what == "crash":
            crashes[node].append(t)
        elif rsc != "-":
            events[(node, rsc)].append((t, what))
    return events, crashes, last


def intervals(events, crashes, end):
    """-> {rsc: [(node, def_start|None, def_end, pos_start, pos_end, how)]}"""
    out = defaultdict(list)
    for (node, rsc), ev in events.items():
        ev = sorted(ev + [(t, "crash") for t in crashes.get(node, [])])
        cur = None
        for t, what in ev:
            if what == "start_invoke":
                if cur is None:
                    cur = {"ps": t, "ds": None}
            elif what == "start_ok" and cur:
                if cur["ds"] is None:
                    cur["ds"] = t
            elif what == "stop_invoke" and cur:
                cur.setdefault("de", t)
            elif what in ("stop_ok", "stop_killed", "start_failed") and cur:
                out[rsc].append((node, cur["ds"], cur.get("de", t), cur["ps"], t, what))
                cur = None
            elif what == "crash" and cur:
                out[rsc].append((node, cur["ds"], cur.get("de", t), cur["ps"], t, "crash"))
                cur = None
            # stop_failed: stays possibly running
        if cur:
            out[rsc].append((node, cur["ds"], cur.get("de", end), cur["ps"], end, "running"))
    return out


def check(path, offsets_path=None, end=None):
    """-> dict(definite=[(rsc, a, b, ms)], possible=[...], intervals=n, handovers=[(rsc, from, to, margin_ms)])"""
    offs = load_offsets(offsets_path)
    events, crashes, last = parse(path, offs)
    end = end or (last + 1)
    ivs = intervals(events, crashes, end)
    res = {"definite": [], "possible": [], "intervals": sum(len(v) for v in ivs.values()), "handovers": []}
    for rsc, lst in sorted(ivs.items()):
        for i in range(len(lst)):
            for j in range(i + 1, len(lst)):
                a, b = lst[i], lst[j]
                if a[0] == b[0]:
                    continue
                lo, hi = max(a[3], b[3]), min(a[4], b[4])
                if lo < hi:
                    res["possible"].append((rsc, a[0], b[0], (hi - lo) / 1e6))
                if a[1] and b[1]:
                    lo, hi = max(a[1], b[1]), min(a[2], b[2])
                    if lo < hi:
                        res["definite"].append((rsc, a[0], b[0], (hi - lo) / 1e6, lo))
        ordered = sorted(lst, key=lambda iv: iv[3])
        for prev, nxt in zip(ordered, ordered[1:]):
            if prev[0] != nxt[0]:
                res["handovers"].append((rsc, prev[0], nxt[0], None if prev[5] == "running" else (nxt[3] - prev[4]) / 1e6))
    return res


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    offsets = None
    if "--offsets" in args:
        i = args.index("--offsets")
        offsets = args[i + 1]
        del args[i:i + 2]
    r = check(args[0], offsets)
    for d in r["definite"]:
        print(f"DEFINITE OVERLAP of {d[0]}: {d[1]} and {d[2]} for {d[3]:.1f} ms")
    for p in r["possible"]:
        print(f"possible overlap of {p[0]}: {p[1]} and {p[2]} for up to {p[3]:.1f} ms")
    margins = [h[3] for h in r["handovers"] if h[3] is not None]
    print(f"ownership log: {r['intervals']} intervals, {len(r['handovers'])} handovers"
          + (f" (stop-before-start margin min {min(margins):+.1f} ms)" if margins else "")
          + f", definite overlaps {len(r['definite'])}, possible overlaps {len(r['possible'])}")
    return 1 if r["definite"] else 0


if __name__ == "__main__":
    sys.exit(main())
