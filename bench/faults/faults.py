#!/usr/bin/env python3
"""Seeded randomized fault runner (FAULTS.md F24) against real SplitGuard daemons in the namespace lab.
Started by bench/faults/run.sh, which builds, picks the lab prefix and always tears down; see there for the options.
"""
import argparse
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "failover"))
import lablib  # noqa: E402
from lablib import Lab, VipMonitor, Probe, SplitGuardCluster, sh, now, kill_pid, dual_ms, acquisitions  # noqa: E402
import ownership  # noqa: E402

PORT = 7007
CGROUP = "/sys/fs/cgroup/cpu"

# kind -> (FAULTS.md row, what it does, expectation): "stay" = no owner change may happen while it is active;
# "recover" = one owner answering the client again after the heal.
KINDS = {
    "kill9":       ("F1",  "kill -9 the daemon of a node (its guard stops the service); restart it at heal", "recover"),
    "crash":       ("F1",  "kill -9 every process of a node and flush its addresses; restore and restart at heal", "recover"),
    "pause-short": ("F2",  "SIGSTOP the daemon for 0.5 x the detection time, then SIGCONT", "stay"),
    "pause-long":  ("F3",  "SIGSTOP the daemon for 2 x the takeover time, then SIGCONT", "recover"),
    "partition":   ("F4",  "cut a node from the other node(s) both ways; the witness stays reachable", "recover"),
    "isolate":     ("F5",  "cut a node from the other node(s) and from the witness", "recover"),
    "oneway":      ("F6",  "a node stops hearing another (input drop only)", "recover"),
    "witness":     ("F7",  "the witness drops all ICMP (relay and witness probes gone; peers healthy)", "stay"),
    "loss":        ("F9",  "random loss 10-30 % on every node's and the witness's input", "stay"),
    "dup":         ("F10", "20 % duplication of every node's frames to its peers (nft dup)", "stay"),
    "clock":       ("F13", "wall-clock step +1 h / -10 min / +11 ms on one node (libfaketime), monotonic untouched", "stay"),
    "starve":      ("F15", "CPU quota 10 % for the daemon (cgroup v1 cpu.cfs_quota_us and cpu.rt_runtime_us)", "recover"),
    "swizzle":     ("F12", "swizzle-clog: cut a random subset of nodes and the witness one after another, heal in another order", "recover"),
}
NOT_HERE = {
    "delay": ("F11", "needs the userspace delay proxy of FAULTS.md 2.7; not built into this runner"),
    "mono-jump": ("F14", "needs the daemon started with monotonic time faked; not built into this runner"),
}


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S.%f}"[:-3] + f"] {msg}", flush=True)


class Runner:
    def __init__(self, args, lab, work):
        self.args, self.lab, self.work = args, lab, Path(work)
        self.nodes = [f"n{i}" for i in range(1, args.nodes + 1)]
        self.client = f"n{args.nodes + 1}"
        self.vip = f"{lab.subnet}.100"
        self.rng = random.Random(args.seed)
        self.own_log = self.work / "ownership.log"
        self.own_log.write_text("")
        self.offsets_file = self.work / "offsets"
        self.offsets_file.write_text("")
        self.offsets = {n: 0.0 for n in self.nodes}
        self.ft = {}
        self.use_faketime = args.faketime and os.path.exists(lablib.FAKETIME_LIB)
        if self.use_faketime:
            for n in self.nodes:
                self.ft[n] = self.work / f"faketime-{n}"
                self.ft[n].write_text("+0\n")
        self.echo = {}
        # detection and takeover time as docs/ownership.md computes them
        i, m = args.interval, args.maxloss
        self.detection = i * m + i / 2
        self.lease = self.detection + 0.25
        self.takeover = self.lease + self.detection + 2 * i
        res = [{"name": "vip", "agent": "ocf:heartbeat:IPaddr2", "group": "service",
                "params": {"ip": self.vip, "cidr_netmask": "24"}, "monitor_interval": 2,
                "timeouts": {"start": 10, "stop": 5, "monitor": 10}}]
        self.cluster = SplitGuardCluster(lab, self.nodes, work, args.interval, args.maxloss, res,
                                         ownership_log=self.own_log)
        self.stats = defaultdict(lambda: {"calls": 0, "success": 0, "failure": 0, "skipped": 0, "auditfail": 0,
                                          "notes": []})
        self.script = []
        self.script_arg = None
        for item in filter(None, (args.script or "").split(",")):
            kind, _, rest = item.partition("@")
            target, _, arg = rest.partition(":")
            if kind not in KINDS:
                raise SystemExit(f"--script: unknown fault kind {kind}")
            self.script.append((kind, target or None, arg or None))
        self.stopped = set()  # nodes whose daemon is SIGSTOPped
        self.starved = set()

    # ------------------------------------------------------------------------------------------------- helpers
    def start_node(self, node):
        self.echo[node] = lablib.start_echo(self.lab, node, PORT)
        self.cluster.start(node, faketime_file=self.ft.get(node))

    def set_offset(self, node, seconds):
        self.offsets[node] = seconds
        t = now()
        with open(self.offsets_file, "a") as f:
            f.write(f"{t} {node} {seconds}\n")
        self.ft[node].write_text(f"{seconds:+.3f}\n")

    def owner(self):
        h = self.mon.holders()
        return h[0] if len(h) == 1 else None

    def wait_owner(self, since, timeout):
        """Until exactly one node holds the VIP and the client got an answer from it after `since`. -> (node, ns)|None"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            h = self.mon.holders()
            if len(h) == 1:
                a = next((x for x in reversed(self.probe.poll()) if x[0] > since and x[1] == h[0]), None)
                if a:
                    return h[0], a[0]
            time.sleep(0.05)
        return None

    # ------------------------------------------------------------------------------------------------- faults
    def inject(self, kind, node, other):
        """Inject; returns a heal function. Raises on an injection error."""
        lab, c = self.lab, self.cluster
        if kind == "kill9":
            c.kill(node)

            def heal():
                self.start_node_daemon_only(node)
            return heal
        if kind == "crash":
            with open(self.own_log, "a") as f:
                f.write(f"{now()} {node} - crash\n")
            lab.kill_all(node)
            lab.flush(node)

            def heal():
                lab.restore(node)
                self.start_node(node)
            return heal
        if kind in ("pause-short", "pause-long"):
            pid = c.pid(node)
            if not pid:
                raise RuntimeError(f"{node}: no daemon to pause")
            kill_pid(pid, signal.SIGSTOP)
            self.stopped.add(node)

            def heal():
                kill_pid(pid, signal.SIGCONT)
                self.stopped.discard(node)
            return heal
        if kind == "partition":
            for o in self.nodes:
                if o != node:
                    lab.fault("partition", node, o)
            return lambda: lab.heal(node)
        if kind == "isolate":
            for o in self.nodes:
                if o != node:
                    lab.fault("partition", node, o)
            lab.fault("isolate-from-witness", node)
            return lambda: lab.heal(node)
        if kind == "oneway":
            lab.fault("oneway", node, other)
            return lambda: lab.heal(node)
        if kind == "witness":
            lab.fault("icmp-drop-at-witness")
            return lambda: lab.heal("w")
        if kind == "loss":
            pct = int(self.script_arg) if self.script_arg else [10, 20, 30][int(self.param * 3)]
            self.note = f"{pct} %"
            for n in self.nodes + ["w"]:
                lab.fault("loss", n, pct)
            return lambda: lab.heal("all")
        if kind == "dup":
            t = f"{lab.prefix}_dup"
            for n in self.nodes:
                rules = "".join(f"    ip daddr {lab.ip(o)} udp dport 5405 numgen random mod 100 < 20 dup to {lab.ip(o)}\n"
                                for o in self.nodes if o != n)
                lab.nft(n, f"add table ip {t}\ndelete table ip {t}\ntable ip {t} {{\n  chain out {{ type filter hook "
                           f"output priority 0; policy accept;\n{rules}  }}\n}}\n")
            return lambda: lab.heal("all")
        if kind == "clock":
            step = float(self.script_arg) if self.script_arg else [3600, -600, 0.011][int(self.param * 3)]
            self.note = f"{step:+g} s"
            old = self.offsets[node]
            self.set_offset(node, old + step)
            return lambda: None  # a wall-clock step is not undone: the node keeps the stepped clock
        if kind == "swizzle":
            # FoundationDB's swizzle-clog: members (the nodes and the witness) are cut off one after another, 0.2-0.6 s
            # apart, then healed one after another in a different random order. Drawn from the slot's parameter so
            # that every slot still takes the same number of draws from the schedule's generator.
            r = random.Random(int(self.param * 2**32))
            members = self.nodes + ["w"]
            clog = r.sample(members, r.randint(1, len(members)))
            unclog = r.sample(clog, len(clog))
            gaps = [r.uniform(0.2, 0.6) for _ in range(2 * len(clog))]
            self.note = f"clog {','.join(clog)}, heal {','.join(unclog)}"
            for i, n in enumerate(clog):
                if i:
                    time.sleep(gaps[i])
                lab.nft(n, lab.cut_table(n))

            def heal():
                for i, n in enumerate(unclog):
                    if i:
                        time.sleep(gaps[len(clog) + i])
                    lab.heal(n)
            return heal
        if kind == "starve":
            pid = c.pid(node)
            if not pid:
                raise RuntimeError(f"{node}: no daemon to starve")
            g = f"{CGROUP}/{lab.prefix}-slow"
            os.makedirs(g, exist_ok=True)
            Path(g, "cpu.cfs_period_us").write_text("100000")
            Path(g, "cpu.cfs_quota_us").write_text("10000")
            # The daemon's heartbeat threads run SCHED_RR: a group with no real-time budget (the default, 0) refuses
            # them (EINVAL), and the CFS quota does not limit them. Give the group 10 % as real-time budget too.
            Path(g, "cpu.rt_period_us").write_text("100000")
            Path(g, "cpu.rt_runtime_us").write_text("10000")
            Path(g, "cgroup.procs").write_text(str(pid))
            self.starved.add(node)

            def heal():
                try:
                    Path(CGROUP, "cgroup.procs").write_text(str(pid))
                except OSError:
                    pass
                self.starved.discard(node)
            return heal
        raise ValueError(kind)

    def start_node_daemon_only(self, node):
        self.cluster.start(node, faketime_file=self.ft.get(node))

    def duration(self, kind):
        every = self.args.every
        u = self.rng.random()
        if kind == "pause-short":
            return 0.5 * self.detection
        if kind == "pause-long":
            return 2 * self.takeover
        if kind == "clock":
            return 0.0
        return (0.2 + 0.3 * u) * every

    # ------------------------------------------------------------------------------------------------- run
    def run(self):
        a = self.args
        self.mon = VipMonitor(self.lab, self.nodes, self.vip)
        for n in self.nodes:
            self.start_node(n)
        self.probe = Probe(self.lab, self.client, self.vip, PORT, str(self.work / "probe.log"))
        t_begin = now()
        got = self.wait_owner(t_begin, 30)
        if not got:
            raise RuntimeError("no owner within 30 s of the start")
        log(f"start: {got[0]} owns the service ({(got[1] - t_begin) / 1e6:.0f} ms after the start)")
        kinds = [k for k in KINDS if k in a.kinds]
        if not self.use_faketime and "clock" in kinds:
            kinds.remove("clock")
            self.stats["clock"]["skipped"] += 1
            self.stats["clock"]["notes"].append("left out by --no-faketime" if not self.args.faketime
                                                else "libfaketime not installed (bench/setup.sh installs it)")
        deadline = time.monotonic() + a.minutes * 60 - a.quiet
        slot = 0
        while time.monotonic() + a.every <= deadline + 1e-6:
            slot += 1
            t_slot = time.monotonic()
            # the same number of draws every slot, so a seed replays the same schedule of (fault, target role,
            # duration, parameter) whatever the timing did to ownership
            kind = self.rng.choice(kinds)
            on_owner = self.rng.random() < 0.6
            any_node = self.rng.choice(self.nodes)
            other_pick = self.rng.random()
            dur = self.duration(kind)
            self.param = self.rng.random()
            target = None
            if self.script:
                if slot > len(self.script):
                    slot -= 1
                    break
                kind, target, self.script_arg = self.script[slot - 1]
                dur = self.duration(kind)
            cur = self.owner()
            if target in self.nodes:
                node = target
            elif target == "owner" or (target is None and on_owner):
                node = cur or any_node
            elif target == "other":
                node = next((n for n in self.nodes if n != cur), any_node)
            else:
                node = any_node
            others = [o for o in self.nodes if o != node]
            other = others[int(other_pick * len(others))]
            self.note = ""
            st = self.stats[kind]
            st["calls"] += 1
            t0 = now()
            owner0 = cur
            try:
                heal = self.inject(kind, node, other)
            except Exception as e:  # noqa: BLE001
                st["failure"] += 1
                st["notes"].append(f"slot {slot}: inject failed: {e}")
                log(f"slot {slot}: {kind} on {node}: inject FAILED: {e}")
                self.lab.heal("all")
                continue
            time.sleep(dur)
            heal()
            t1 = now()
            rec = self.wait_owner(t1, max(a.every - (time.monotonic() - t_slot), 8.0))
            t2 = now()
            ev = self.mon.snapshot()
            acq = acquisitions(ev, t0, t2)
            dual, _ = dual_ms(ev, self.nodes, t0, t2) if len(self.nodes) == 2 else (0.0, False)
            expect = KINDS[kind][2]
            ok = rec is not None
            why = "" if ok else "no single owner answering after the heal"
            if ok and expect == "stay" and acq:
                ok, why = False, f"owner changed {len(acq)}x though nothing died ({', '.join(n for _, n in acq)})"
            # L1: an owner that is down (or cut off) longer than the takeover time plus a start budget must have been
            # replaced before the heal
            if (ok and owner0 == node and kind in ("kill9", "crash", "pause-long", "isolate")
                    and dur >= self.takeover + 0.8
                    and not any(n != owner0 and t <= t1 for t, n in acq)):
                ok, why = False, (f"the owner was down/cut off {dur:.2f} s (takeover time {self.takeover:.2f} s) and "
                                  f"no other node took over before the heal")
            if dual > 0:
                st["auditfail"] += 1
                st["notes"].append(f"slot {slot}: VIP on two nodes for {dual:.0f} ms")
            if ok:
                st["success"] += 1
            else:
                st["failure"] += 1
                st["notes"].append(f"slot {slot} ({node}{', ' + self.note if self.note else ''}): {why}")
            moved = next((x for x in self.probe.answers if x[0] > t0 and owner0 and x[1] != owner0), None)
            if moved and owner0 == node and kind in ("kill9", "crash", "pause-long", "isolate"):
                st.setdefault("failover_ms", []).append((moved[0] - t0) / 1e6)
            acq_txt = ", ".join(f"{n} +{(t - t0) / 1e6:.0f} ms" for t, n in acq)
            log(f"slot {slot}: {KINDS[kind][0]} {kind} on {node}{' (' + self.note + ')' if self.note else ''}"
                f"{' other ' + other if kind == 'oneway' else ''} for {dur:.2f} s; owner before {owner0}, "
                f"after {rec[0] if rec else None} (+{(rec[1] - t0) / 1e6 if rec else 0:.0f} ms); VIP acquisitions "
                f"{len(acq)}{' (' + acq_txt + ')' if acq else ''}"
                f"{'; client first answered by another node +' + format((moved[0] - t0) / 1e6, '.0f') + ' ms' if moved else ''}"
                f"{'; BOTH HELD THE VIP ' + format(dual, '.0f') + ' ms' if dual else ''}"
                f"{'' if ok else '; FAILED: ' + why}")
            rest = a.every - (time.monotonic() - t_slot)
            if rest > 0:
                time.sleep(rest)
        # final quiet phase: everything healed and running
        self.lab.heal("all")
        for n in self.nodes:
            if not self.cluster.alive(n):
                self.start_node_daemon_only(n)
        t_q = now()
        conv = self.wait_owner(t_q, a.quiet)
        time.sleep(max(0.0, a.quiet - (now() - t_q) / 1e9))
        t_end = now()
        final_owner = self.owner()
        ev = self.mon.snapshot()
        quiet_changes = acquisitions(ev, conv[1] if conv else t_q, t_end)
        self.probe.stop()
        late = self.cluster.terminate()
        if late:
            log(f"daemons that did not exit within 8 s of SIGTERM (killed): {', '.join(late)}")
        time.sleep(0.3)
        self.mon.stop()
        for n in self.nodes:
            self.lab.kill_all(n)
        # verdicts
        own = ownership.check(self.own_log, str(self.offsets_file))
        dual_total, _ = dual_ms(ev, self.nodes, t_begin, t_end) if len(self.nodes) == 2 else (0.0, False)
        ans = [x[0] for x in self.probe.answers if x[0] >= t_begin]
        bins = (t_end - t_begin) // 100_000_000
        avail = len({(t - t_begin) // 100_000_000 for t in ans}) / bins * 100 if bins else 0.0
        return {"slots": slot, "own": own, "dual_total": dual_total, "converged": conv, "t_q": t_q,
                "final_owner": final_owner, "quiet_changes": quiet_changes, "availability": avail}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--every", type=float, default=10)
    ap.add_argument("--quiet", type=float, default=20)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--maxloss", type=int, default=5)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--no-faketime", dest="faketime", action="store_false")
    ap.add_argument("--verdict", default=None)
    ap.add_argument("--script", default=None)
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big")
    print(f"seed: {args.seed}", flush=True)
    args.kinds = [k for k in args.kinds.split(",") if k]
    bad = [k for k in args.kinds if k not in KINDS]
    if bad:
        raise SystemExit(f"unknown fault kinds {bad}; known: {', '.join(KINDS)}")
    if args.nodes < 2:
        raise SystemExit("--nodes: at least 2")
    if args.nodes > 2:
        log(f"note: --nodes {args.nodes}: the ownership code of this build runs resources only in a two-member cluster "
            "(docs/ownership.md); this mode is for when N-node election lands")
    log(f"lab {args.prefix}: {args.nodes} nodes + witness + client; interval {args.interval}, maxloss {args.maxloss}; "
        f"{args.minutes} min, a fault every {args.every} s, final quiet phase {args.quiet} s; kinds {','.join(args.kinds)}")
    lab = Lab(args.prefix, args.nodes + 1)
    r = Runner(args, lab, args.work)
    try:
        res = r.run()
    finally:
        r.lab.heal("all")
        for n in r.nodes:
            if n in r.stopped:
                pid = r.cluster.pid(n)
                if pid:
                    kill_pid(pid, signal.SIGCONT)
        r.cluster.stop_all()
        for n in r.nodes:
            lab.kill_all(n)
        try:
            os.rmdir(f"{CGROUP}/{args.prefix}-slow")
        except OSError:
            pass
    own = res["own"]
    # final quiet phase liveness (L1)
    q = KINDS_Q = "quiet"
    st = r.stats[q]
    st["calls"] += 1
    conv = res["converged"]
    quiet_ok = conv is not None and res["final_owner"] is not None and not res["quiet_changes"]
    if quiet_ok:
        st["success"] += 1
    else:
        st["failure"] += 1
        st["notes"].append(f"converged {'after ' + format((conv[1] - res['t_q']) / 1e6, '.0f') + ' ms' if conv else 'never'}, "
                           f"final owner {res['final_owner']}, owner changes in the quiet phase {len(res['quiet_changes'])}")
    del KINDS_Q
    print()
    print(f"seed {args.seed}: {res['slots']} faults in {args.minutes} min, then {args.quiet} s quiet")
    print(f"{'fault':<26} {'calls':>5} {'success':>7} {'failure':>7} {'skipped':>7} {'auditfail':>9}")
    tot = defaultdict(int)
    for k in list(KINDS) + ["quiet"]:
        if k not in r.stats:
            continue
        s = r.stats[k]
        label = f"{KINDS[k][0]} {k}" if k in KINDS else "L1 final quiet phase"
        print(f"{label:<26} {s['calls']:>5} {s['success']:>7} {s['failure']:>7} {s['skipped']:>7} {s['auditfail']:>9}")
        for f in ("calls", "success", "failure", "skipped", "auditfail"):
            tot[f] += s[f]
    for k, (row, why) in NOT_HERE.items():
        print(f"{row + ' ' + k:<26} {0:>5} {0:>7} {0:>7} {'-':>7} {0:>9}   (not injected: {why})")
    print(f"{'total':<26} {tot['calls']:>5} {tot['success']:>7} {tot['failure']:>7} {tot['skipped']:>7} {tot['auditfail']:>9}")
    for k, s in r.stats.items():
        if s.get("failover_ms"):
            xs = sorted(s["failover_ms"])
            print(f"  {k}: failover seen by the client when the owner was hit: {len(xs)} times, median "
                  f"{xs[len(xs) // 2]:.0f} ms, max {xs[-1]:.0f} ms")
        for n in s["notes"]:
            print(f"  {k}: {n}")
    margins = [h[3] for h in own["handovers"] if h[3] is not None]
    print(f"safety (S1): ownership log {own['intervals']} intervals, {len(own['handovers'])} handovers"
          + (f", stop-before-start margin min {min(margins):+.1f} ms" if margins else "")
          + f"; definite overlaps {len(own['definite'])}, possible overlaps {len(own['possible'])}; "
          f"VIP held by two nodes {res['dual_total']:.0f} ms (ip monitor)")
    for d in own["definite"]:
        print(f"  DEFINITE OVERLAP of {d[0]}: {d[1]} and {d[2]} for {d[3]:.1f} ms at {d[4]}")
    for p in own["possible"]:
        print(f"  possible overlap of {p[0]}: {p[1]} and {p[2]} for up to {p[3]:.1f} ms")
    print(f"liveness (L1): final quiet phase {'converged to ' + str(res['final_owner']) + ' after ' + format((conv[1] - res['t_q']) / 1e6, '.0f') + ' ms' if conv else 'did NOT converge'}"
          f"; client availability over the run {res['availability']:.1f} % (100 ms bins with an answer)")
    definite = len(own["definite"]) + (1 if res["dual_total"] > 0 else 0)
    verdict = {"seed": args.seed, "definite_overlaps": len(own["definite"]), "possible_overlaps": len(own["possible"]),
               "vip_dual_ms": res["dual_total"], "quiet_ok": quiet_ok, "stats": {k: {f: v[f] for f in (
                   "calls", "success", "failure", "skipped", "auditfail")} for k, v in r.stats.items()},
               "availability": res["availability"]}
    if args.verdict:
        Path(args.verdict).write_text(json.dumps(verdict, indent=1))
    print(f"replay: bench/faults/run.sh --seed {args.seed} --minutes {args.minutes:g} --nodes {args.nodes}"
          + ("" if args.every == 10 else f" --every {args.every:g}")
          + (f" --script {args.script}" if args.script else "")
          + ("" if args.kinds == list(KINDS) else f" --kinds {','.join(args.kinds)}"))
    if definite:
        print("VERDICT: FAIL (definite overlap)")
        return 1
    if not quiet_ok:
        print("VERDICT: FAIL (no single owner in the final quiet phase)")
        return 3
    print("VERDICT: PASS (no definite overlap; one owner in the final quiet phase)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"bench/faults: harness error (not a verdict on SplitGuard): {e}", flush=True)
        if "--work" in sys.argv:
            for f in sorted(Path(sys.argv[sys.argv.index("--work") + 1]).glob("n*.[lo][ou][gt]")):
                print(f"--- last lines of {f.name}")
                print("\n".join(f.read_text(errors="replace").splitlines()[-8:]))
        sys.exit(2)
