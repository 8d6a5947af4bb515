"""The sbp client class: connect, register a cluster id, decode messages, call back."""

import logging
import random
import socket
import struct
import threading

from .wire import Decoder, ProtocolError

__all__ = ["DEFAULT_SOCKET", "StopListening", "sbp"]

#: SplitGuard's default API socket (sbpd used /run/sbpd.sock; pass it as ``sockfile`` if configured so).
DEFAULT_SOCKET = "/run/splitguard.sock"

_log = logging.getLogger("sbp")
_log.addHandler(logging.NullHandler())


class StopListening(Exception):
    """Raise it from the callback to leave a blocking client cleanly."""


class sbp(object):  # noqa: N801 - sbp's documented name
    """sbp's client: ``sbp.sbp(ClusterID, callback, sockfile, thread)``.

    Connects to the daemon's unix socket, registers ``ClusterID`` (an unsigned short in native byte order) and calls
    ``callback`` with a dict for every message: ``msg_type``, ``state``, ``ClusterID``, ``NodeID``, ``linktype`` and,
    for message types above 300, ``lID`` (all integers). Right after connecting, every active out-of-service alarm of
    the cluster arrives; in-service messages only when a link or path returns.

    With ``thread=False`` (the default) the constructor runs the client and blocks, as sbp's library did; it returns
    when the callback raises :class:`StopListening` (other exceptions propagate), or when the connection ends and
    ``reconnect`` is false. With ``thread=True`` call :meth:`start` and :meth:`stop`.

    Extensions over sbp: ``reconnect`` (default true) reconnects with backoff between ``min_delay`` and ``max_delay``
    seconds, and :attr:`active_alarms` holds the alarms currently known, rebuilt from the replay after each connection.
    """

    def __init__(self, ClusterID, callback, sockfile=DEFAULT_SOCKET, thread=False,  # noqa: N803 - sbp's names
                 reconnect=True, min_delay=0.1, max_delay=5.0):
        if not 0 <= int(ClusterID) <= 0xFFFF:
            raise ValueError("ClusterID must fit an unsigned short, got %r" % (ClusterID,))
        if not callable(callback):
            raise TypeError("callback must be callable")
        self.ClusterID = int(ClusterID)
        self.callback = callback
        self.sockfile = sockfile
        self.reconnect = reconnect
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.connected = False
        self.error = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sock = None
        self._alarms = {}
        self._thread = None
        if thread:
            self._thread = threading.Thread(target=self._thread_main, name="sbp-%d" % self.ClusterID)
            self._thread.daemon = True
        else:
            self.run()

    # -- sbp's interface -------------------------------------------------------------------------------------------

    def start(self):
        """Starts the client thread (``thread=True`` only)."""
        if self._thread is None:
            raise RuntimeError("this client was created with thread=False and already ran in the constructor")
        self._thread.start()

    def stop(self):
        """Stops the client and waits for its thread (callable from the callback too)."""
        self._stop.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join()

    # -- extensions ------------------------------------------------------------------------------------------------

    @property
    def active_alarms(self):
        """The out-of-service alarms currently known (dicts with state 0), sorted by node, type and link."""
        with self._lock:
            alarms = list(self._alarms.values())
        return sorted(alarms, key=lambda a: (a["NodeID"], a["msg_type"], a.get("lID", 0)))

    def run(self):
        """Runs the client on the calling thread until :meth:`stop`, :class:`StopListening`, or (without reconnect)
        the end of the connection."""
        try:
            self._loop()
        except StopListening:
            pass

    # -- internals -------------------------------------------------------------------------------------------------

    def _thread_main(self):
        try:
            self.run()
        except Exception as e:  # noqa: BLE001 - kept for the owner, who may inspect .error
            self.error = e
            _log.exception("sbp client for cluster %d stopped: the callback failed", self.ClusterID)

    def _loop(self):
        delay = self.min_delay
        while not self._stop.is_set():
            sock = self._connect()
            received = False
            if sock is not None:
                received = self._serve(sock)
            if not self.reconnect or self._stop.is_set():
                return
            if received:
                delay = self.min_delay
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.max_delay)

    def _connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.sockfile)
            sock.sendall(struct.pack("=H", self.ClusterID))
        except OSError as e:
            sock.close()
            if not self.reconnect:
                raise
            _log.debug("sbp: cannot connect to %s: %s", self.sockfile, e)
            return None
        with self._lock:
            if self._stop.is_set():
                sock.close()
                return None
            self._sock = sock
            self._alarms.clear()
        self.connected = True
        return sock

    def _serve(self, sock):
        """Reads until the connection ends; returns True when at least one message arrived."""
        decoder = Decoder()
        received = False
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(4096)
                except OSError as e:
                    _log.warning("sbp: connection to %s failed: %s", self.sockfile, e)
                    break
                if not data:
                    if not self._stop.is_set():
                        _log.warning("sbp: %s closed the connection (unknown cluster %d, or the daemon stopped)",
                                     self.sockfile, self.ClusterID)
                    break
                broken = False
                try:
                    messages = decoder.feed(data)
                except ProtocolError as e:
                    _log.warning("sbp: %s; reconnecting", e)
                    messages = e.messages
                    broken = True
                for pkt in messages:
                    received = True
                    self._apply(pkt)
                    self.callback(pkt)
                if broken:
                    break
        finally:
            self.connected = False
            with self._lock:
                self._sock = None
            sock.close()
        return received

    def _apply(self, pkt):
        key = (pkt["msg_type"], pkt["NodeID"], pkt.get("lID"))
        with self._lock:
            if pkt["state"] == 0:
                self._alarms[key] = dict(pkt)
            else:
                self._alarms.pop(key, None)
