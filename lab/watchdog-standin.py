#!/usr/bin/env python3
"""Lab stand-in for a kernel watchdog, behind the same interface as /dev/watchdog.

    watchdog-standin.py --device PATH --timeout SECONDS --netns NAME --log FILE

Creates a FIFO at PATH (mode 0600). The daemon opens it write-only, as it opens /dev/watchdog, and
writes one byte per pet. The first byte arms the stand-in. While armed, if no byte arrives within
SECONDS, it "resets the node": it takes every link of network namespace NAME down except lo (and
flushes their addresses, as a reboot forgets a virtual IP), then
kills every process in NAME with SIGKILL (a stopped process dies of SIGKILL too), and appends a
`reset` line to FILE. Links go first because they are what protects the peer even when a process in
uninterruptible sleep survives the kill, as it would survive until a real reset.

As the kernel driver does: a 'V' as the last byte before the writer closes disarms (the magic
close); a close without it (the daemon died) leaves the timer running, and the reset follows once
SECONDS have passed since the last pet. After a reset it is disarmed and waits to be armed again,
like a node that rebooted.

Run it outside NAME (the root namespace): it refuses to run inside the namespace it would empty, and
refuses to empty the namespace of pid 1. Freezing the node's daemon and guard does not freeze it.

FILE gets one line per event, `<UTC time> mono=<CLOCK_MONOTONIC seconds> <event> key=value...`;
events: listening, armed, closed-without-magic, disarmed, reset, stopped. A reset line is written once
the links are down and the processes killed; its `detected` field is when the missed pet was noticed,
`took` how long the links and kills took. CLOCK_MONOTONIC is the clock
of .NET's Stopwatch on Linux, so tests compare the two directly.
"""

import argparse
import datetime
import errno
import json
import os
import select
import signal
import stat
import subprocess
import sys
import time


def now_line(event, **fields):
    wall = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    mono = time.clock_gettime(time.CLOCK_MONOTONIC)
    parts = [wall, f"mono={mono:.6f}", event]
    parts += [f"{k}={v}" for k, v in fields.items()]
    return " ".join(parts)


class StandIn:
    def __init__(self, device, timeout, netns, log_path):
        self.device = device
        self.timeout = timeout
        self.netns = netns
        self.log_path = log_path
        self.fd = -1
        self.armed = False
        self.magic = False
        self.last_pet = 0.0
        self.pets = 0
        self.stopping = False

    def log(self, event, **fields):
        line = now_line(event, **fields)
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        print(line, flush=True)

    # --- safety ---------------------------------------------------------------------------------

    def check_namespace(self):
        named = f"/run/netns/{self.netns}"
        try:
            target = os.stat(named)
        except FileNotFoundError:
            sys.exit(f"watchdog-standin: no network namespace {self.netns!r} ({named} missing)")
        own = os.stat("/proc/self/ns/net")
        if (target.st_dev, target.st_ino) == (own.st_dev, own.st_ino):
            sys.exit(f"watchdog-standin: refusing to run inside {self.netns}, the namespace it would empty")
        try:
            init = os.stat("/proc/1/ns/net")
        except PermissionError:
            # In a container pid 1 may belong to someone else; the check above still holds.
            return
        if (target.st_dev, target.st_ino) == (init.st_dev, init.st_ino):
            sys.exit(f"watchdog-standin: refusing: {self.netns} is the namespace of pid 1")

    # --- the device file ------------------------------------------------------------------------

    def make_fifo(self):
        os.makedirs(os.path.dirname(os.path.abspath(self.device)), exist_ok=True)
        try:
            st = os.lstat(self.device)
            if not stat.S_ISFIFO(st.st_mode):
                sys.exit(f"watchdog-standin: {self.device} exists and is not a FIFO; not touching it")
            os.unlink(self.device)
        except FileNotFoundError:
            pass
        os.mkfifo(self.device, 0o600)

    def open_reader(self):
        # Non-blocking, so the open returns without a writer. Reopening after each writer's close
        # clears the hang-up state that poll would otherwise report forever.
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = os.open(self.device, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)

    def drain(self, now):
        """Reads what is there. Returns True when the writer closed (EOF)."""
        while True:
            try:
                data = os.read(self.fd, 4096)
            except BlockingIOError:
                return False
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            if not data:
                return True
            if not self.armed:
                self.armed = True
                self.log("armed", device=self.device, timeout=self.timeout)
            self.last_pet = now
            self.pets += len(data)
            # The kernel's rule: a 'V' in the last write arms the magic close; any later pet without
            # one clears it. The last byte read stands for the last write.
            self.magic = data[-1:] == b"V"

    # --- the reset ------------------------------------------------------------------------------

    def ip(self, *args):
        return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)

    def links(self):
        result = self.ip("-n", self.netns, "-j", "link", "show")
        if result.returncode != 0:
            return []
        return [l["ifname"] for l in json.loads(result.stdout or "[]") if l.get("ifname") != "lo"]

    def pids(self):
        result = self.ip("netns", "pids", self.netns)
        if result.returncode != 0:
            return []
        own = os.getpid()
        return [int(p) for p in result.stdout.split() if p.strip().isdigit() and int(p) != own]

    def reset(self, now):
        age = now - self.last_pet
        started = time.clock_gettime(time.CLOCK_MONOTONIC)
        down = []
        for link in self.links():
            if self.ip("-n", self.netns, "link", "set", "dev", link, "down").returncode == 0:
                down.append(link)
        # A rebooted node has lost every address it acquired at run time (a virtual IP); so does this one. The
        # node's own address goes too: a test that brings the node back adds it again, as its boot would.
        for link in down:
            self.ip("-n", self.netns, "addr", "flush", "dev", link)
        killed = []
        survivors = []
        # Processes may fork while they are being killed: repeat until the namespace is empty.
        for _ in range(20):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    if pid not in killed:
                        killed.append(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        else:
            survivors = self.pids()
        self.armed = False
        self.magic = False
        took = time.clock_gettime(time.CLOCK_MONOTONIC) - started
        self.log(
            "reset",
            netns=self.netns,
            detected=f"{now:.6f}",
            last_pet_age=f"{age:.6f}",
            timeout=self.timeout,
            links_down=",".join(down) or "-",
            killed=",".join(map(str, killed)) or "-",
            survivors=",".join(map(str, survivors)) or "-",
            took=f"{took:.6f}",
        )

    # --- the loop -------------------------------------------------------------------------------

    def run(self):
        self.check_namespace()
        self.make_fifo()
        self.open_reader()
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGINT, self.on_term)
        self.log("listening", device=self.device, timeout=self.timeout, netns=self.netns)
        poller = select.poll()
        poller.register(self.fd, select.POLLIN | select.POLLHUP)
        while not self.stopping:
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            if self.armed:
                wait = max(0.0, self.last_pet + self.timeout - now)
            else:
                wait = 1.0
            try:
                events = poller.poll(wait * 1000.0)
            except InterruptedError:
                continue
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            if events and self.drain(now):
                if self.magic:
                    self.armed = False
                    self.magic = False
                    self.log("disarmed", reason="magic-close", pets=self.pets)
                elif self.armed:
                    self.log("closed-without-magic", last_pet_age=f"{now - self.last_pet:.6f}")
                poller.unregister(self.fd)
                self.open_reader()
                poller.register(self.fd, select.POLLIN | select.POLLHUP)
            if self.armed and now - self.last_pet >= self.timeout:
                self.reset(now)
        self.log("stopped", pets=self.pets)
        try:
            os.unlink(self.device)
        except FileNotFoundError:
            pass

    def on_term(self, signum, frame):
        self.stopping = True


def main():
    parser = argparse.ArgumentParser(description="Lab stand-in for a kernel watchdog (see the module docstring).")
    parser.add_argument("--device", required=True, help="path of the FIFO to create (what Ownership.watchdog.device names)")
    parser.add_argument("--timeout", required=True, type=float, help="seconds without a pet before the reset")
    parser.add_argument("--netns", required=True, help="the node's network namespace, emptied on reset")
    parser.add_argument("--log", required=True, help="file that gets one line per event")
    args = parser.parse_args()
    if not 0.01 <= args.timeout <= 600:
        sys.exit("watchdog-standin: --timeout must be from 0.01 to 600 seconds")
    StandIn(args.device, args.timeout, args.netns, args.log).run()


if __name__ == "__main__":
    main()
