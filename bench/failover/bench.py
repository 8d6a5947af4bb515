#!/usr/bin/env python3
"""Failover benchmark: SplitGuard against keepalived and Corosync + Pacemaker on one namespace lab.
Started by bench/failover/run.sh (which installs, builds, picks the lab prefix and always tears down); see there.
"""
import argparse
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))
import lablib  # noqa: E402
from lablib import Lab, VipMonitor, Probe, SplitGuardCluster, sh, now, kill_pid, dual_ms, acquisitions, procstat  # noqa: E402
import ownership  # noqa: E402

PORT = 7007
NODES = ["n1", "n2"]
CLIENT = "n3"
CASES = {"crash": "owner node crashed (all its processes killed, its addresses flushed)",
         "daemon": "owner's cluster daemon alone killed with -9",
         "linkcut": "owner's link cut (nft drops all in/out on its interface)"}


def log(msg):
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------------------------- systems

class System:
    name = ""
    setting = ""
    unavailable = None  # a reason string when the system cannot run here
    settle = 1.0  # seconds of stable single ownership before a fault

    def prepare(self, lab, work, vip):
        self.lab, self.work, self.vip = lab, Path(work), vip

    def start(self, run_dir):
        raise NotImplementedError

    def kill_daemon(self, node):
        raise NotImplementedError

    def daemon_pids(self, node):
        raise NotImplementedError

    def stop(self):
        pass

    def version(self):
        return ""


class SplitGuardSystem(System):
    def __init__(self, label, interval, maxloss, stop_budget=None, agent="ocf:heartbeat:IPaddr2"):
        self.agent = agent
        short = agent if agent.startswith("builtin:") else agent.split(":")[-1]
        self.name = f"SplitGuard {label}" + ("" if short == "IPaddr2" else f" ({short})")
        self.interval, self.maxloss, self.stop_budget = interval, maxloss, stop_budget
        budget = f", stop_budget {stop_budget}" if stop_budget is not None else ""
        self.setting = f"interval {interval}, maxloss {maxloss}{budget}, udp + icmp link, {agent}"
        self.cluster = None

    def start(self, run_dir):
        self.own_log = Path(run_dir) / "ownership.log"
        self.own_log.write_text("")
        res = [{"name": "vip", "agent": self.agent, "group": "service",
                "params": {"ip": self.vip, "cidr_netmask": "24"}, "monitor_interval": 2}]
        self.cluster = SplitGuardCluster(self.lab, NODES, run_dir, self.interval, self.maxloss, res,
                                         ownership_log=self.own_log, stop_budget=self.stop_budget)
        for n in NODES:
            self.cluster.start(n)

    def kill_daemon(self, node):
        self.cluster.kill(node)

    def daemon_pids(self, node):
        p = self.cluster.pid(node)
        return [p] if p else []

    def stop(self):
        if self.cluster:
            self.cluster.stop_all()

    def overlaps(self):
        r = ownership.check(self.own_log)
        return len(r["definite"]), len(r["possible"])

    def version(self):
        # the last commit that changed the daemon's sources (commits to bench/ or docs/ during a run do not count)
        try:
            rev = sh(["git", "-C", lablib.ROOT, "log", "-1", "--format=%h", "--", "src"]).strip()
            dirty = sh(["git", "-C", lablib.ROOT, "status", "--porcelain", "--", "src"]).strip()
        except RuntimeError:
            rev, dirty = "?", ""
        return f"SplitGuard {rev}{' + uncommitted src/ changes' if dirty else ''} (.NET {sh(['dotnet', '--version']).strip()})"


class KeepalivedSystem(System):
    def __init__(self, advert):
        self.advert = advert
        self.name = f"keepalived advert_int {advert}"
        self.setting = f"VRRPv3 unicast, advert_int {advert}, priorities 150/100, preempt"
        self.procs = {}
        self.settle = max(1.0, 4 * advert)

    def start(self, run_dir):
        self.procs = {}
        for n in NODES:
            other = [o for o in NODES if o != n][0]
            conf = Path(run_dir) / f"keepalived-{n}.conf"
            conf.write_text(f"""global_defs {{
  router_id {n}
  vrrp_version 3
  script_user root
  enable_script_security
}}
vrrp_instance VI_1 {{
  state {'MASTER' if n == 'n1' else 'BACKUP'}
  interface {self.lab.ifname(n)}
  virtual_router_id 51
  priority {150 if n == 'n1' else 100}
  advert_int {self.advert}
  unicast_src_ip {self.lab.ip(n)}
  unicast_peer {{ {self.lab.ip(other)} }}
  virtual_ipaddress {{ {self.vip}/24 dev {self.lab.ifname(n)} }}
}}
""")
            out = open(Path(run_dir) / f"keepalived-{n}.out", "ab")
            self.procs[n] = self.lab.popen(n, ["keepalived", "--dont-fork", "--vrrp", "--log-console", "--no-syslog",
                                               "-f", conf, f"--pid={run_dir}/ka-{n}.pid",
                                               f"--vrrp_pid={run_dir}/ka-vrrp-{n}.pid"], stdout=out,
                                           stderr=subprocess.STDOUT)
            out.close()

    def _tree(self, node):
        return [p for p in self.lab.pids(node) if _comm(p) == "keepalived"]

    def kill_daemon(self, node):
        # kill -9 the parent and its VRRP child as one: stop both first, then the child, then the parent. Killing the
        # parent alone first lets the child exit cleanly (parent-death signal: it drops the VIP and sends priority 0),
        # which is a graceful stop, not a daemon crash.
        pids = self._tree(node)
        parent = self.procs[node].pid
        for p in pids:
            kill_pid(p, signal.SIGSTOP)
        for p in sorted(pids, key=lambda p: p == parent):
            kill_pid(p)

    def daemon_pids(self, node):
        p = self.procs.get(node)
        return [p.pid] if p and p.poll() is None else []

    def stop(self):
        for n in NODES:
            for p in self._tree(n):
                kill_pid(p)
        for p in self.procs.values():
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                pass

    def version(self):
        out = subprocess.run(["keepalived", "--version"], capture_output=True, text=True)
        return (out.stdout + out.stderr).splitlines()[0].strip()


def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


class PacemakerSystem(System):
    """Corosync 3 (knet over UDP, two_node) + Pacemaker with ocf:heartbeat:IPaddr2, no fencing (stonith-enabled false,
    no-quorum-policy ignore: there is no fence device in the lab). Each node runs in its own mount namespace with
    private /etc/corosync, /var/lib/pacemaker, /var/lib/corosync, /var/log/pacemaker, /run and /dev/shm."""

    def __init__(self, token):
        self.token = token
        self.name = f"Corosync+Pacemaker token {token or 'default'}"
        self.setting = f"two_node, token {token or 'default (3000 ms)'}, IPaddr2, no fencing"
        self.procs = {}
        self.settle = 2.0

    def start(self, run_dir):
        self.procs = {}
        self.run_dir = Path(run_dir)
        # State (CIB) persists across the runs of one system: after the first run the cluster options (dc-deadtime
        # 2 s, no fencing) and the VIP are in the CIB at startup, so a start does not wait the default 20 s for a DC.
        state = self.work / f"pcmk-state-{self.token or 'default'}"
        for n in NODES:
            base = self.run_dir / f"pcmk-{n}"
            st = state / n
            for d in ("etc", "lib", "clib"):
                (st / d).mkdir(parents=True, exist_ok=True)
            for d in ("log", "run", "shm"):
                (base / d).mkdir(parents=True, exist_ok=True)
            key = state / "authkey"
            if not key.exists():
                key.write_bytes(os.urandom(256))
                os.chmod(key, 0o400)
            (st / "etc" / "authkey").write_bytes(key.read_bytes())
            os.chmod(st / "etc" / "authkey", 0o400)
            token = f"  token: {self.token}\n" if self.token else ""
            (st / "etc" / "corosync.conf").write_text(f"""totem {{
  version: 2
  cluster_name: sgfbench
  transport: knet
  crypto_cipher: none
  crypto_hash: none
{token}}}
nodelist {{
  node {{
    ring0_addr: {self.lab.ip('n1')}
    name: n1
    nodeid: 1
  }}
  node {{
    ring0_addr: {self.lab.ip('n2')}
    name: n2
    nodeid: 2
  }}
}}
quorum {{
  provider: corosync_votequorum
  two_node: 1
}}
logging {{
  to_logfile: yes
  logfile: /var/log/pacemaker/corosync.log
  to_syslog: no
  to_stderr: no
  timestamp: on
}}
""")
            script = f"""set -e
mount --make-rprivate /
mount --bind {st}/etc /etc/corosync
mount --bind {st}/lib /var/lib/pacemaker
mount --bind {st}/clib /var/lib/corosync
mount --bind {base}/log /var/log/pacemaker
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/crm /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores
chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker /run/crm 2>/dev/null || true
echo $$ > {base}/shell.pid
corosync -f &
echo $! > {base}/corosync.pid
for i in $(seq 100); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.1; done
/usr/sbin/pacemakerd &
echo $! > {base}/pacemakerd.pid
wait
"""
            (base / "start.sh").write_text(script)
            out = open(base / "start.out", "ab")
            self.procs[n] = self.lab.popen(n, ["unshare", "-m", "--propagation", "private", "bash", base / "start.sh"],
                                           stdout=out, stderr=subprocess.STDOUT,
                                           env=dict(os.environ, PCMK_logfile="/var/log/pacemaker/pacemaker.log",
                                                    PCMK_logfacility="none"))
            out.close()

    def configure(self):
        cmds = (f"crm_attribute -t crm_config -n stonith-enabled -v false && "
                f"crm_attribute -t crm_config -n no-quorum-policy -v ignore && "
                f"crm_attribute -t crm_config -n dc-deadtime -v 2s && "
                f"crm_attribute -t rsc_defaults -n resource-stickiness -v 100 && "
                f"( cibadmin -Q -o resources | grep -q 'id=\"vip\"' || "
                f"cibadmin -C -o resources -X '<primitive id=\"vip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">"
                f"<instance_attributes id=\"vip-ia\"><nvpair id=\"vip-ip\" name=\"ip\" value=\"{self.vip}\"/>"
                f"<nvpair id=\"vip-mask\" name=\"cidr_netmask\" value=\"24\"/></instance_attributes>"
                f"<operations><op id=\"vip-mon\" name=\"monitor\" interval=\"2s\"/></operations></primitive>' )")
        return self.in_node("n1", cmds)

    def in_node(self, node, cmd):
        base = self.run_dir / f"pcmk-{node}"
        pid = (base / "shell.pid").read_text().strip()
        return subprocess.run(["nsenter", "-t", pid, "-m", "-n", "bash", "-c", cmd], capture_output=True, text=True,
                              timeout=60)

    def _tree(self, node):
        names = ("corosync", "pacemakerd", "pacemaker-based", "pacemaker-fenced", "pacemaker-execd",
                 "pacemaker-attrd", "pacemaker-schedulerd", "pacemaker-controld")
        return [p for p in self.lab.pids(node) if _comm(p)[:15] in [x[:15] for x in names]]

    def kill_daemon(self, node):
        for p in self._tree(node):
            kill_pid(p)

    def daemon_pids(self, node):
        return self._tree(node)

    def stop(self):
        for n in NODES:
            self.lab.kill_all(n)

    def version(self):
        c = sh(["corosync", "-v"], check=False).splitlines()
        p = sh(["pacemakerd", "--version"], check=False).splitlines()
        return f"{c[0].strip() if c else 'corosync ?'}; {p[0].strip() if p else 'pacemaker ?'}"


def make_systems(names, fast_interval):
    # SplitGuard settings: label, interval, maxloss, stop budget (None: the built-in default), agent
    vip, ipaddr2, builtin = "ocf:splitguard:vip", "ocf:heartbeat:IPaddr2", "builtin:vip"
    sg = {"sg-default": ("default", 0.05, 5, None, ipaddr2),     # packaging/examples/two-node.json
          "sg-robust": ("robust", 0.005, 8, 0.01, builtin),      # the profiles of docs/ownership.md
          "sg-fast": ("fast", fast_interval, 4, 0.01, builtin)}
    out = []
    for s in names:
        # a suffix -vip, -ipaddr2 or -builtin picks the agent of the virtual IP
        base, agent = s, None
        for suffix, a in (("-vip", vip), ("-ipaddr2", ipaddr2), ("-builtin", builtin)):
            if s.startswith("sg-") and s.endswith(suffix):
                base, agent = s[:-len(suffix)], a
        custom = re.fullmatch(r"sg-i([0-9.]+)-m([0-9]+)-b([0-9.]+)", base)
        if base in sg:
            label, i, m, b, a = sg[base]
            out.append(SplitGuardSystem(label, i, m, b, agent=agent or a))
        elif custom:
            # any setting, for tuning: sg-i<interval>-m<maxloss>-b<stop budget>
            i, m, b = float(custom[1]), int(custom[2]), float(custom[3])
            out.append(SplitGuardSystem(f"i{i} m{m} b{b}", i, m, b, agent=agent or ipaddr2))
        elif s.startswith("ka-"):
            out.append(KeepalivedSystem(float(s[3:]) if "." in s[3:] else int(s[3:])))
        elif s == "pcmk-default":
            out.append(PacemakerSystem(None))
        elif s.startswith("pcmk-"):
            out.append(PacemakerSystem(int(s[5:])))
        else:
            raise SystemExit(f"unknown system {s}")
    return out


# ---------------------------------------------------------------------------------------------------------------- runs

class Bench:
    def __init__(self, args, lab, work):
        self.args, self.lab, self.work = args, lab, Path(work)
        self.vip = f"{lab.subnet}.100"
        self.runno = 0

    def reset(self):
        self.lab.heal("all")
        for n in NODES:
            self.lab.kill_all(n)
            self.lab.restore(n)

    def begin(self, system, tag):
        """Fresh daemons, monitors, responders, probe; waits for one stable owner. -> (owner, ctx) or raises."""
        self.runno += 1
        run_dir = self.work / f"{self.runno:04d}-{re.sub('[^a-z0-9.]+', '-', system.name.lower())}-{tag}"
        run_dir.mkdir(parents=True)
        self.reset()
        ctx = {"dir": run_dir}
        ctx["mon"] = VipMonitor(self.lab, NODES, self.vip)
        ctx["echo"] = [lablib.start_echo(self.lab, n, PORT) for n in NODES]
        system.start(run_dir)
        ctx["probe"] = Probe(self.lab, CLIENT, self.vip, PORT, str(run_dir / "probe.log"))
        deadline = time.monotonic() + self.args.start_timeout
        configured = not isinstance(system, PacemakerSystem)
        next_try = time.monotonic() + 1
        stable_since, owner = None, None
        while time.monotonic() < deadline:
            if not configured and time.monotonic() > next_try:
                r = system.configure()
                configured = r.returncode == 0
                ctx["configure"] = (r.stdout + r.stderr).strip()[-300:]
                next_try = time.monotonic() + 2
            h = ctx["mon"].holders()
            ans = ctx["probe"].poll()
            recent = [a for a in ans[-5:] if a[0] > now() - 200_000_000]
            if len(h) == 1 and recent and all(a[1] == h[0] for a in recent):
                if owner != h[0]:
                    owner, stable_since = h[0], time.monotonic()
                elif time.monotonic() - stable_since >= system.settle:
                    ctx["owner"] = owner
                    return owner, ctx
            else:
                owner, stable_since = None, None
            time.sleep(0.05)
        self.end(system, ctx)
        raise RuntimeError(f"no single stable owner answering within {self.args.start_timeout} s "
                           f"(holders {ctx['mon'].holders()}); logs in {run_dir}")

    def end(self, system, ctx):
        if "probe" in ctx:
            ctx["probe"].stop()
        system.stop()
        for n in NODES:
            self.lab.kill_all(n)
        for p in ctx.get("echo", []):
            try:
                p.wait(2)
            except subprocess.TimeoutExpired:
                pass
        ctx["mon"].stop()

    def fault_run(self, system, case):
        owner, ctx = self.begin(system, case)
        other = [n for n in NODES if n != owner][0]
        t_stable = now()
        try:
            if case == "crash":
                t_f = now()
                if isinstance(system, SplitGuardSystem):
                    with open(system.own_log, "a") as f:
                        f.write(f"{t_f} {owner} - crash\n")
                self.lab.kill_all(owner)
                self.lab.flush(owner)
            elif case == "daemon":
                t_f = now()
                system.kill_daemon(owner)
            elif case == "linkcut":
                script = self.lab.cut_table(owner)
                self.lab.nft(owner, script)
                t_f = now()
            else:
                raise ValueError(case)
            probe = ctx["probe"]
            first = None
            deadline = time.monotonic() + self.args.fault_timeout
            while time.monotonic() < deadline:
                first = next((a for a in probe.poll() if a[0] > t_f and a[1] == other), None)
                if first:
                    break
                time.sleep(0.02)
            time.sleep(self.args.tail)
            probe.stop()
            t_end = now()
            ans = probe.answers
            ev = ctx["mon"].snapshot()
            dual, still = dual_ms(ev, NODES, t_stable - 1, t_end)
            both_answer = 0.0
            if first:
                late_old = [a[0] for a in ans if a[1] == owner and a[0] > first[0]]
                both_answer = (max(late_old) - first[0]) / 1e6 if late_old else 0.0
            r = {"case": case, "owner": owner, "failover_ms": (first[0] - t_f) / 1e6 if first else None,
                 "dual_hold_ms": dual, "dual_at_end": still, "both_answer_ms": both_answer,
                 "last_old_ms": max([(a[0] - t_f) / 1e6 for a in ans if a[1] == owner] or [None], key=lambda x: x or -1e9)}
            if isinstance(system, SplitGuardSystem):
                r["definite"], r["possible"] = system.overlaps()
            return r
        finally:
            self.end(system, ctx)

    def loss_phase(self, system, pcts, minutes, idle_s):
        """One cluster start: idle cost first, then each loss level for `minutes` with nothing killed."""
        owner, ctx = self.begin(system, "loss")
        out = {"idle": {}, "loss": {}}
        try:
            if idle_s > 0:
                nodes = {n: system.daemon_pids(n) for n in NODES}
                time.sleep(3)
                a = {n: procstat(p) for n, p in nodes.items()}
                time.sleep(idle_s)
                b = {n: procstat(p) for n, p in nodes.items()}
                for n in NODES:
                    role = "owner" if n == owner else "standby"
                    out["idle"][role] = {"cpu_s_per_min": (b[n][0] - a[n][0]) * 60 / idle_s, "rss_mb": b[n][1] / 1024}
            for pct in pcts:
                holder0 = ctx["mon"].holders()
                for n in NODES + ["w"]:
                    self.lab.fault("loss", n, pct)
                t0 = now()
                time.sleep(minutes * 60)
                t1 = now()
                self.lab.heal("all")
                ev = ctx["mon"].snapshot()
                acq = acquisitions(ev, t0, t1)
                dual, _ = dual_ms(ev, NODES, t0, t1)
                moved, readd = classify(ev, holder0, t0, t1)
                ans = [a for a in ctx["probe"].poll() if t0 <= a[0] <= t1]
                switches = sum(1 for i in range(1, len(ans)) if ans[i][1] != ans[i - 1][1])
                out["loss"][pct] = {"acquisitions": len(acq), "per_min": len(acq) / minutes, "dual_hold_ms": dual,
                                    "moved": moved, "readded": readd, "events": [(t, n, p) for t, n, p in ev if t0 < t <= t1],
                                    "client_switches": switches, "holders_before": holder0,
                                    "holders_after": ctx["mon"].holders(), "answers": len(ans)}
                log(f"  {system.name}: {pct} % loss for {minutes} min: {len(acq)} VIP acquisitions ({moved} by the standby, "
                    f"{readd} re-added by the owner), "
                    f"{switches} answer switches, both held {dual:.0f} ms")
                time.sleep(2)
            if isinstance(system, SplitGuardSystem):
                out["definite"], out["possible"] = system.overlaps()
        finally:
            self.end(system, ctx)
        return out


# ---------------------------------------------------------------------------------------------------------------- report

def classify(events, holders_before, t0, t1):
    """VIP acquisitions in (t0, t1]: by a node that did not hold it when the phase began (the standby taking over: a
    false failover) and by the owner of the start (it dropped the VIP and added it again: a stop and restart in place)."""
    moved = readd = 0
    for t, n, present in events:
        if present and t0 < t <= t1:
            if n in holders_before:
                readd += 1
            else:
                moved += 1
    return moved, readd


def reclassify(results):
    for res in results.values():
        for x in res.get("loss", {}).get("loss", {}).values():
            if "events" in x:
                ev = [tuple(e) for e in x["events"]]
                x["moved"], x["readded"] = classify(ev, x["holders_before"], -1, 1 << 62)


def pctl(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, int(-(-q * len(xs) // 1)) - 1))  # nearest rank
    return xs[k]


def fmt(x, nd=0):
    return "—" if x is None else f"{x:.{nd}f}"


def summarize(runs):
    errs = sum(1 for r in runs if "error" in r)
    runs = [r for r in runs if "error" not in r]
    ok = [r["failover_ms"] for r in runs if r.get("failover_ms") is not None]
    s = {"n": len(runs), "ok": len(ok), "median": statistics.median(ok) if ok else None, "p95": pctl(ok, 0.95),
         "max": max(ok) if ok else None}
    s["dual_runs"] = sum(1 for r in runs if r["dual_hold_ms"] > 0 or r["both_answer_ms"] > 0)
    s["dual_max"] = max([r["dual_hold_ms"] for r in runs] or [0])
    s["dual_at_end"] = sum(1 for r in runs if r["dual_at_end"])
    s["definite"] = sum(r.get("definite", 0) for r in runs) if any("definite" in r for r in runs) else None
    s["errors"] = errs
    return s


def report(results, meta, args):
    L = []
    L.append(f"Measured {meta['date']} on {meta['machine']}. Versions: {'; '.join(meta['versions'])}.")
    L.append("")
    L.append(f"Command: `{meta['command']}`")
    L.append("")
    L.append(f"Runs per fault case: {args.runs}; loss phases {args.loss_minutes} min per level on every link "
             f"(nft numgen on n1, n2 and the witness input); idle cost over {args.idle_seconds} s. "
             f"Probe every 10 ms from a client namespace; the fault instant is taken just before the kill "
             f"(crash, daemon) or just after `nft -f` returned (link cut). {meta['conditions']}")
    L.append("")
    L.append("### Failover time (fault to the first answer from the new owner, ms) and dual ownership")
    L.append("")
    hdr = "| system | setting |" + "".join(f" {c}: median / p95 / max |" for c in args.cases) + " dual ownership (runs with both holding the VIP or both answering / max ms) |"
    L.append(hdr)
    L.append("|" + " --- |" * (2 + len(args.cases) + 1))
    for sysname, res in results.items():
        if res.get("unavailable"):
            L.append(f"| {sysname} | {res['setting']} |" + "".join(" — |" for _ in args.cases) + f" not run: {res['unavailable']} |")
            continue
        cells, duals = [], []
        for c in args.cases:
            runs = res["cases"].get(c, [])
            if not runs:
                cells.append(" — |")
                continue
            s = summarize(runs)
            miss = f" ({s['n'] - s['ok']} of {s['n']} never failed over)" if s["ok"] < s["n"] else ""
            if s["errors"]:
                miss += f" ({s['errors']} runs lost to harness errors)"
            cells.append(f" {fmt(s['median'])} / {fmt(s['p95'])} / {fmt(s['max'])}{miss} |")
            d = f"{c} {s['dual_runs']}/{s['n']}"
            if s["dual_runs"]:
                d += f", {s['dual_max']:.0f} ms" + (f" ({s['dual_at_end']} still both at the end of the {args.tail:.0f} s window)" if s["dual_at_end"] else "")
            if s["definite"] is not None:
                d += f", log definite overlaps {s['definite']}"
            duals.append(d)
        L.append(f"| {sysname} | {res['setting']} |" + "".join(cells) + " " + "; ".join(duals) + " |")
    errs = [f"{k}: {v['error']}" for k, v in results.items() if v.get("error")]
    if errs:
        L.append("Stopped early: " + "; ".join(errs))
    L.append("")
    # ratios
    sgs = [k for k, v in results.items() if k.startswith("SplitGuard") and not v.get("unavailable")]
    peers = [k for k, v in results.items() if not k.startswith("SplitGuard") and not v.get("unavailable")]
    if sgs and peers:
        L.append("### Ratio of median failover times, SplitGuard / peer (below 1: SplitGuard faster)")
        L.append("")
        L.append("| SplitGuard | peer |" + "".join(f" {c} |" for c in args.cases))
        L.append("|" + " --- |" * (2 + len(args.cases)))
        for a in sgs:
            for b in peers:
                row = f"| {a} | {b} |"
                for c in args.cases:
                    sa, sb = summarize(results[a]["cases"].get(c, [])), summarize(results[b]["cases"].get(c, []))
                    if sa["median"] is not None and sb["median"]:
                        row += f" {sa['median'] / sb['median']:.2f}x |"
                    else:
                        row += " — |"
                L.append(row)
        L.append("")
    if args.loss:
        L.append(f"### False failovers during random loss ({args.loss_minutes} min per level, nothing killed)")
        L.append("")
        L.append("False takeovers per minute: the standby adding the VIP while nothing was killed. In brackets also the "
                 "times the owner dropped the VIP and added it again, and the milliseconds both nodes held it.")
        L.append("")
        L.append("| system | setting |" + "".join(f" {p} % loss |" for p in args.loss))
        L.append("|" + " --- |" * (2 + len(args.loss)))
        for sysname, res in results.items():
            if res.get("unavailable"):
                L.append(f"| {sysname} | {res['setting']} |" + "".join(" — |" for _ in args.loss))
                continue
            lp = res.get("loss", {}).get("loss", {})
            row = f"| {sysname} | {res['setting']} |"
            for p in args.loss:
                x = lp.get(p) or lp.get(str(p))
                row += (f" {x['moved'] / args.loss_minutes:.1f}/min ({x['moved']} taken by the standby, {x['readded']} dropped "
                        f"and re-added by the owner in {args.loss_minutes:g} min;"
                        f" both held {x['dual_hold_ms']:.0f} ms) |") if x else " — |"
            L.append(row)
        L.append("")
    if args.idle_seconds:
        L.append(f"### Idle cost per node ({args.idle_seconds} s, daemon process tree)")
        L.append("")
        L.append("| system | owner CPU s/min | owner RSS MB | standby CPU s/min | standby RSS MB |")
        L.append("| --- | --- | --- | --- | --- |")
        for sysname, res in results.items():
            idle = res.get("loss", {}).get("idle", {})
            if not idle:
                continue
            o, s = idle.get("owner", {}), idle.get("standby", {})
            L.append(f"| {sysname} | {fmt(o.get('cpu_s_per_min'), 2)} | {fmt(o.get('rss_mb'), 1)} | "
                     f"{fmt(s.get('cpu_s_per_min'), 2)} | {fmt(s.get('rss_mb'), 1)} |")
        L.append("")
    return "\n".join(L)


BEGIN = "<!-- bench/failover: begin (generated by bench/failover/run.sh --write-doc; do not edit by hand) -->"
END = "<!-- bench/failover: end -->"
HEADING = "## Failover against keepalived and Pacemaker"


def write_doc(path, table):
    text = Path(path).read_text()
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + block + text[b:]
    elif HEADING in text:
        i = text.index(HEADING) + len(HEADING)
        text = text[:i] + "\n\n" + block + "\n" + text[i:]
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"
    Path(path).write_text(text)


# ---------------------------------------------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prefix", default=None)
    ap.add_argument("--work", default=None)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--systems", default="sg-default,sg-robust,sg-fast,ka-1,ka-0.1,ka-0.05,ka-0.01,pcmk-default,pcmk-300")
    ap.add_argument("--cases", default="crash,daemon,linkcut")
    ap.add_argument("--loss", default="10,20,30")
    ap.add_argument("--loss-minutes", type=float, default=1.0)
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("--fast-interval", type=float, default=0.005)
    ap.add_argument("--tail", type=float, default=2.0)
    ap.add_argument("--fault-timeout", type=float, default=20.0)
    ap.add_argument("--start-timeout", type=float, default=40.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--write-doc", action="store_true")
    ap.add_argument("--command", default="bench/failover/run.sh")
    ap.add_argument("--conditions", default="")
    ap.add_argument("--from-json", default=None, help="re-render the table of an earlier run's raw file (no lab)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 3)
        args.loss_minutes = min(args.loss_minutes, 0.25)
        args.idle_seconds = min(args.idle_seconds, 10)
    args.cases = [c for c in args.cases.split(",") if c]
    args.loss = [int(p) for p in args.loss.split(",") if p]
    for c in args.cases:
        if c not in CASES:
            raise SystemExit(f"unknown case {c}; known: {', '.join(CASES)}")
    if args.from_json:
        raw = json.loads(Path(args.from_json).read_text())
        reclassify(raw["results"])
        for k in ("runs", "loss_minutes", "idle_seconds", "tail"):
            if k in raw["meta"].get("args", {}):
                setattr(args, k, raw["meta"]["args"][k])
        table = report(raw["results"], raw["meta"], args)
        out = Path(args.out) if args.out else Path(args.from_json).with_suffix(".md")
        out.write_text(table + "\n")
        print(table)
        if args.write_doc:
            write_doc(lablib.ROOT / "docs" / "performance.md", table)
            print("docs/performance.md: section updated")
        return 0
    systems = make_systems([s for s in args.systems.split(",") if s], args.fast_interval)
    lab = Lab(args.prefix, 3)
    bench = Bench(args, lab, args.work)
    results, versions = {}, []
    out = Path(args.out) if args.out else lablib.ROOT / "bench" / "failover" / "results" / (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%MZ") + ".md")
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{os.cpu_count()} cores, {platform.platform()}, kernel {platform.release()}",
                "versions": versions, "command": args.command, "conditions": args.conditions,
                "args": {"runs": args.runs, "loss_minutes": args.loss_minutes, "idle_seconds": args.idle_seconds,
                         "tail": args.tail}}
        table = report(results, meta, args)
        out.write_text(table + "\n")
        out.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
        return table
    try:
        for system in systems:
            system.prepare(lab, args.work, bench.vip)
            res = {"setting": system.setting, "cases": {}}
            results[system.name] = res
            try:
                v = system.version()
                if v and v not in versions:
                    versions.append(v)
            except Exception as e:  # noqa: BLE001
                log(f"{system.name}: version unknown ({e})")
            log(f"== {system.name} ({system.setting})")
            try:
                for case in args.cases:
                    runs = []
                    res["cases"][case] = runs
                    errors = 0
                    for i in range(args.runs):
                        try:
                            r = bench.fault_run(system, case)
                        except RuntimeError as e:
                            errors += 1
                            runs.append({"case": case, "error": str(e)})
                            log(f"  {case} run {i + 1}/{args.runs}: harness error: {e}")
                            bench.reset()
                            if errors >= 3 and not any("error" not in x for x in runs):
                                raise
                            continue
                        runs.append(r)
                        log(f"  {case} run {i + 1}/{args.runs}: owner {r['owner']}, failover "
                            f"{fmt(r['failover_ms'])} ms, both held {r['dual_hold_ms']:.0f} ms"
                            f"{' (still at end)' if r['dual_at_end'] else ''}, both answered {r['both_answer_ms']:.0f} ms"
                            + (f", log overlaps definite {r['definite']} possible {r['possible']}" if "definite" in r else ""))
                if args.loss or args.idle_seconds:
                    res["loss"] = bench.loss_phase(system, args.loss, args.loss_minutes, args.idle_seconds)
                    idle = res["loss"]["idle"]
                    if idle:
                        log(f"  idle: " + ", ".join(f"{k} {v['cpu_s_per_min']:.2f} CPU s/min {v['rss_mb']:.1f} MB"
                                                     for k, v in idle.items()))
            except Exception as e:  # noqa: BLE001
                if res["cases"] or res.get("loss"):
                    res["error"] = str(e)
                    log(f"  {system.name}: stopped early: {e}")
                else:
                    res["unavailable"] = str(e)[:300]
                    log(f"  {system.name}: cannot run here: {e}")
                    traceback.print_exc()
                bench.reset()
            save()
    finally:
        bench.reset()
    table = save()
    print()
    print(table)
    print(f"\nwritten: {out} (raw runs: {out.with_suffix('.json')})")
    if args.write_doc:
        write_doc(lablib.ROOT / "docs" / "performance.md", table)
        print("docs/performance.md: section updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
