#!/usr/bin/env python3
"""Print CPU seconds (user+system) and resident memory (kB) of a process and all its descendants.

usage: procstat.py PID   ->  "<cpu_seconds> <rss_kb> <npids>"
"""
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def sample(pid):
    cpu = 0.0
    rss = 0
    pids = tree(pid)
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICK
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return cpu, rss, len(pids)


if __name__ == "__main__":
    c, r, n = sample(int(sys.argv[1]))
    print(f"{c:.3f} {r} {n}")
