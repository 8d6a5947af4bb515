"""Shared pieces of the lab benchmarks (bench/failover, bench/faults): the namespace lab of lab/net.sh, a VIP
monitor per node (`ip monitor address`), UDP echo responders, the 10 ms client probe, and SplitGuard daemons.

Python 3 standard library only. Every process started here is tracked and ended by its pid; the lab's namespaces
are removed by Lab.down() (and by the calling run.sh's trap as a backstop).
"""
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

PY = "/usr/bin/python3"
ROOT = Path(__file__).resolve().parents[2]
NETSH = str(ROOT / "lab" / "net.sh")
DLL = str(ROOT / "src" / "SplitGuard" / "bin" / "Release" / "net10.0" / "splitguard.dll")
PROBE = str(ROOT / "lab" / "demo" / "probe.py")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

ECHO = r"""
import socket, sys
node, port = sys.argv[1].encode(), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
while True:
    data, peer = s.recvfrom(2048)
    try:
        s.sendto(node + b" " + data, peer)
    except OSError:
        pass
"""


def now():
    return time.time_ns()


def sh(argv, check=True, input=None, timeout=60):
    r = subprocess.run([str(a) for a in argv], input=input, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} -> rc {r.returncode}: {r.stderr.strip()[:400]}")
    return r.stdout


def kill_pid(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class Lab:
    """lab/net.sh up PREFIX N: nodes n1..nN (the last one may serve as the client) and the witness w."""

    def __init__(self, prefix, count):
        self.prefix = prefix
        out = sh([NETSH, "up", prefix, str(count)])
        self.env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.subnet = self.env["SUBNET"]
        self.keep = set()  # pids inside node namespaces that kill_all must spare (monitors)

    def ns(self, node):
        return f"{self.prefix}-{node}"

    def ip(self, node):
        return self.env[f"IP_{node}"]

    def ifname(self, node):
        return f"{self.prefix}-{node}e"

    def popen(self, node, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        return subprocess.Popen(["ip", "netns", "exec", self.ns(node)] + [str(a) for a in argv], **kw)

    def run(self, node, argv, check=True, input=None):
        return sh(["ip", "netns", "exec", self.ns(node)] + list(argv), check=check, input=input)

    def pids(self, node):
        out = sh(["ip", "netns", "pids", self.ns(node)], check=False)
        return [int(p) for p in out.split() if p.isdigit()]

    def kill_all(self, node):
        """kill -9 every process in the node's namespace but the harness's own monitors, as a crash does: all of them
        are stopped first, then killed, so none sees another die and exits cleanly (keepalived's VRRP child, for one,
        drops its VIP and sends a priority-0 advert when its parent dies)."""
        for _ in range(3):
            victims = [p for p in self.pids(node) if p not in self.keep]
            if not victims:
                return
            for p in victims:
                kill_pid(p, signal.SIGSTOP)
            for p in victims:
                kill_pid(p)
            time.sleep(0.02)

    def nft(self, node, script):
        self.run(node, ["nft", "-f", "-"], input=script)

    def cut_table(self, node):
        """All IPv4 in and out of the node's veth dropped (loopback spared): the node's link is cut."""
        t = f"{self.prefix}_cut"
        return (f"add table inet {t}\ndelete table inet {t}\ntable inet {t} {{\n"
                f"  chain in {{ type filter hook input priority 0; policy accept; iifname != \"lo\" drop\n  }}\n"
                f"  chain out {{ type filter hook output priority 0; policy accept; oifname != \"lo\" drop\n  }}\n}}\n")

    def fault(self, *args):
        sh([NETSH, "fault", self.prefix] + [str(a) for a in args])

    def heal(self, node="all"):
        sh([NETSH, "heal", self.prefix, node], check=False)

    def flush(self, node):
        sh(["ip", "-n", self.ns(node), "addr", "flush", "dev", self.ifname(node)], check=False)

    def restore(self, node):
        """The node's own address back (after a crash flushed it), and no other."""
        self.flush(node)
        sh(["ip", "-n", self.ns(node), "addr", "add", f"{self.ip(node)}/24", "dev", self.ifname(node)])
        sh(["ip", "-n", self.ns(node), "link", "set", self.ifname(node), "up"], check=False)

    def down(self):
        sh([NETSH, "down", self.prefix], check=False)


class VipMonitor:
    """Timestamps every add/delete of the VIP on the given nodes (ip -o monitor address, one reader thread each).
    events: [(unix ns, node, present)]; the first event per node is its state when the monitor started."""

    def __init__(self, lab, nodes, vip):
        self.lab, self.vip, self.nodes = lab, vip, list(nodes)
        self.events = []
        self.state = {}
        self.lock = threading.Lock()
        self.procs = []
        for n in self.nodes:
            p = subprocess.Popen(["ip", "-o", "-n", lab.ns(n), "monitor", "address"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True, bufsize=1)
            lab.keep.add(p.pid)
            self.procs.append(p)
            threading.Thread(target=self._read, args=(n, p), daemon=True).start()
        time.sleep(0.05)
        for n in self.nodes:
            out = sh(["ip", "-o", "-4", "-n", lab.ns(n), "addr", "show"], check=False)
            self._set(n, f" {vip}/" in out, now())

    def _set(self, node, present, t):
        with self.lock:
            if self.state.get(node) != present:
                self.state[node] = present
                self.events.append((t, node, present))

    def _read(self, node, p):
        key = f" {self.vip}/"
        for line in p.stdout:
            t = now()
            if key in line and " inet " in line:
                self._set(node, not line.startswith("Deleted"), t)

    def holders(self):
        with self.lock:
            return [n for n in self.nodes if self.state.get(n)]

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def stop(self):
        for p in self.procs:
            kill_pid(p.pid, signal.SIGTERM)
            self.lab.keep.discard(p.pid)
        for p in self.procs:
            try:
                p.wait(2)
            except subprocess.TimeoutExpired:
                kill_pid(p.pid)


def dual_ms(events, nodes, t0, t1):
    """Milliseconds within [t0, t1] during which every node of `nodes` held the VIP; and whether still at t1."""
    state = {n: False for n in nodes}
    both_since = None
    total = 0
    for t, n, present in sorted(events):
        if t > t1:
            break
        before = all(state.values())
        state[n] = present
        after = all(state.values())
        if not before and after:
            both_since = t
        elif before and not after and both_since is not None:
            total += max(0, min(t, t1) - max(both_since, t0))
            both_since = None
    still = both_since is not None
    if still:
        total += max(0, t1 - max(both_since, t0))
    return total / 1e6, still


def acquisitions(events, t0, t1):
    """VIP add events within (t0, t1]: each one is a node taking the VIP."""
    return [(t, n) for t, n, present in events if present and t0 < t <= t1]


class Probe:
    """lab/demo/probe.py in the client namespace: a datagram to VIP:PORT every 10 ms, '<unix ns> <node>' per answer."""

    def __init__(self, lab, client, vip, port, path):
        self.path = path
        self.proc = lab.popen(client, [PY, PROBE, vip, port, path])
        self.answers = []
        self._pos = 0

    def poll(self):
        try:
            with open(self.path) as f:
                f.seek(self._pos)
                data = f.read()
        except FileNotFoundError:
            return self.answers
        cut = data.rfind("\n") + 1
        self._pos += len(data[:cut].encode())
        for line in data[:cut].splitlines():
            p = line.split()
            if len(p) == 2 and p[0].isdigit():
                self.answers.append((int(p[0]), p[1]))
        return self.answers

    def stop(self):
        kill_pid(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            kill_pid(self.proc.pid)
        self.poll()


def start_echo(lab, node, port):
    return lab.popen(node, [PY, "-c", ECHO, node, port])


def procstat(pids):
    """CPU seconds (user+system) and RSS kB of the given processes and all their descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                kids.setdefault(int(fields[1]), []).append(int(name))
            except OSError:
                pass
    seen, todo = set(), list(pids)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(kids.get(p, []))
    cpu, rss = 0.0, 0
    for p in seen:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except (OSError, IndexError):
            pass
    return cpu, rss


class SplitGuardCluster:
    """SplitGuard daemons on the lab's nodes: between every pair one udp link and one icmp link relayed through the
    witness, all at `interval`/`maxloss`; the resources given (a list of Resources entries)."""

    def __init__(self, lab, nodes, work, interval, maxloss, resources, ownership_log=None, label="splitguard",
                 stop_budget=None):
        self.lab, self.nodes, self.work = lab, list(nodes), Path(work)
        self.interval, self.maxloss, self.label = interval, maxloss, label
        self.ownership_log = ownership_log
        self.procs = {}
        self.key = self.work / "authkey"
        if not self.key.exists():
            sh(["dotnet", DLL, "keygen", self.key])
        links, lid = [], 1
        for i, a in enumerate(self.nodes):
            for b in self.nodes[i + 1:]:
                ends = [{"NodeID": int(a[1:]), "IP": lab.ip(a)}, {"NodeID": int(b[1:]), "IP": lab.ip(b)}]
                links.append({"ID": lid, "type": "udp", "interval": interval, "maxloss": maxloss, "Nodes": ends})
                links.append({"ID": lid + 1, "type": "icmp", "interval": interval, "maxloss": maxloss,
                              "ICMPIP": lab.ip("w"), "Nodes": ends})
                lid += 2
        cfg = {
            "Cluster": [{"ID": 1, "Members": [{"ID": int(n[1:]), "Hostname": n} for n in self.nodes], "links": links}],
            "System": {"udp_port": 5405},
            "Logging": {"level": "INFO", "logfile": f"{self.work}/{{node}}.log"},
            "api": {"socket": f"{self.work}/{{node}}-api.sock"},
            "Auth": {"key_file": str(self.key)},
            "Daemon": {"pid_file": f"{self.work}/{{node}}.pid", "control_socket": f"{self.work}/{{node}}-control.sock", "state_dir": f"{self.work}/{{node}}-state"},
            "Resources": resources,
        }
        if stop_budget is not None:
            cfg["Ownership"] = {"stop_budget": stop_budget}
        self.config = self.work / "cluster.json"
        self.config.write_text(json.dumps(cfg, indent=1))

    def start(self, node, faketime_file=None):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        if self.ownership_log:
            env["SPLITGUARD_OWNERSHIP_LOG"] = str(self.ownership_log)
        if faketime_file:
            # FAULTS.md 2.10: wall-clock steps at run time, monotonic untouched, timed waits intact
            env.update(LD_PRELOAD=FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE=str(faketime_file), FAKETIME_NO_CACHE="1",
                       FAKETIME_DONT_FAKE_MONOTONIC="1", FAKETIME_FORCE_MONOTONIC_FIX="0")
        out = open(self.work / f"{node}.out", "ab")
        self.procs[node] = self.lab.popen(node, ["dotnet", DLL, "daemon", "--config", self.config, "--node", node,
                                                 "--foreground"], stdout=out, stderr=subprocess.STDOUT, env=env)
        out.close()
        return self.procs[node]

    def pid(self, node):
        p = self.procs.get(node)
        return p.pid if p and p.poll() is None else None

    def alive(self, node):
        return self.pid(node) is not None

    def status(self, node):
        try:
            out = self.lab.run(node, ["dotnet", DLL, "status", "--json", "--config", str(self.config), "--node", node],
                               check=False)
            return json.loads(out)
        except (ValueError, RuntimeError, subprocess.TimeoutExpired):
            return None

    def kill(self, node, sig=signal.SIGKILL):
        pid = self.pid(node)
        if pid:
            kill_pid(pid, sig)
        return pid

    def reap(self):
        for p in self.procs.values():
            p.poll()

    def terminate(self, timeout=8.0):
        """SIGTERM every daemon (each stops its resources and releases), then wait; -> nodes that had to be killed."""
        for n in self.nodes:
            self.kill(n, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for n, p in self.procs.items():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        late = [n for n in self.nodes if self.alive(n)]
        self.stop_all()
        return late

    def stop_all(self):
        for n in self.nodes:
            self.kill(n, signal.SIGKILL)
        for p in self.procs.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.remove_cgroups()

    def remove_cgroups(self):
        """The resource cgroups of this cluster's daemons (splitguard/<node>@<sha256 of the pid file>/<resource>, as
        SplitGuardDaemon.CgroupInstance names them): a killed daemon never removes them. Only empty ones go (rmdir
        refuses the others)."""
        import hashlib
        tops = []
        for n in self.nodes:
            pid_file = os.path.abspath(f"{self.work}/{n}.pid")
            instance = n + "@" + hashlib.sha256(pid_file.encode()).hexdigest()[:8]
            tops += [Path(h) / "splitguard" / instance for h in ("/sys/fs/cgroup/freezer", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified")]
        # A guard whose daemon was just killed may still be running a stop inside a resource cgroup: try for 3 s.
        for _ in range(30):
            tops = [t for t in tops if t.is_dir()]
            if not tops:
                return
            for top in tops:
                for child in [c for c in top.iterdir() if c.is_dir()] + [top]:
                    try:
                        os.rmdir(child)
                    except OSError:
                        pass
            time.sleep(0.1)
