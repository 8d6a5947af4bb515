"""Lab helper: runs SplitGuard's Python sbp client (clients/python, on PYTHONPATH) against a daemon.

    python3 sbp_subscriber.py SOCKET CLUSTER

Prints one JSON object per line on stdout:
  {"started": T}                       just before sbp.sbp(...).start()
  {"connected": T}                     after each connection and registration (the cluster id was sent)
  {callback dict..., "recv": T}        for every callback: sbp's dict (msg_type, state, ClusterID, NodeID, linktype, lID)
                                       plus the time the callback ran
T is time.time() (the host's wall clock, the same clock the daemon and the test use). Ends when stdin closes.
"""

import json
import logging
import sys
import threading
import time

import sbp

_lock = threading.Lock()


def emit(obj):
    line = json.dumps(obj, sort_keys=True)
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def changed(msg):
    recv = time.time()
    out = dict(msg)
    out["recv"] = recv
    emit(out)


class CountingClient(sbp.sbp):
    """Reports every (re)connection, so the test sees reconnects and knows when the client registered."""

    def _connect(self):
        sock = super()._connect()
        if sock is not None:
            emit({"connected": time.time()})
        return sock


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    path, cluster = sys.argv[1], int(sys.argv[2])
    emit({"started": time.time()})
    client = CountingClient(cluster, changed, path, True, min_delay=0.05, max_delay=0.5)
    client.start()
    sys.stdin.read()
    client.stop()


if __name__ == "__main__":
    main()
