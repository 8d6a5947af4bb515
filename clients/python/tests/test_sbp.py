"""Tests of the sbp client against a fake daemon on a real unix socket (standard library only)."""

import os
import queue
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import sbp  # noqa: E402
from sbp.wire import encode  # noqa: E402

ALL_TYPES = (201, 202, 301, 302, 303, 311, 312, 313)
TIMEOUT = 5.0


class FakeDaemon:
    """A unix stream socket that accepts clients and lets the test script what they receive."""

    def __init__(self, path):
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(16)
        self.listener.settimeout(TIMEOUT)

    def accept(self):
        conn, _ = self.listener.accept()
        conn.settimeout(TIMEOUT)
        return conn

    def accept_registered(self):
        """Accepts a client and returns (connection, registered cluster id)."""
        conn = self.accept()
        data = b""
        while len(data) < 2:
            chunk = conn.recv(2 - len(data))
            if not chunk:
                raise AssertionError("client closed before registering")
            data += chunk
        return conn, struct.unpack("=H", data)[0]

    def close(self):
        self.listener.close()


class Collector:
    def __init__(self):
        self.messages = queue.Queue()

    def __call__(self, msg):
        self.messages.put(msg)

    def take(self, count):
        return [self.messages.get(timeout=TIMEOUT) for _ in range(count)]


def expected(msg_type, state, cluster, node, link=None):
    d = {"msg_type": msg_type, "state": state, "ClusterID": cluster, "NodeID": node, "linktype": (msg_type % 10) - 1}
    if msg_type > 300:
        d["lID"] = link
    return d


class DecoderTests(unittest.TestCase):
    def test_every_type_in_both_layouts(self):
        for with_linktype in (False, True):
            for t in ALL_TYPES:
                data = encode(t, 0, 1000, 2, 7, with_linktype=with_linktype)
                words = 5 + (1 if with_linktype else 0) + (1 if t > 300 else 0)
                self.assertEqual(len(data), 2 * words)
                self.assertEqual(struct.unpack("=H", data[:2])[0], len(data))
                [msg] = sbp.Decoder().feed(data)
                self.assertEqual(msg, expected(t, 0, 1000, 2, 7))
                self.assertEqual("lID" in msg, t > 300)

    def test_documented_layout_byte_for_byte(self):
        self.assertEqual(encode(302, 0, 1000, 2, 7), struct.pack("=6H", 12, 302, 0, 1000, 2, 7))
        self.assertEqual(encode(202, 1, 1000, 2), struct.pack("=5H", 10, 202, 1, 1000, 2))
        self.assertEqual(sbp.Decoder().feed(struct.pack("=5H", 10, 201, 0, 5, 3)), [expected(201, 0, 5, 3)])

    def test_linktype_numbers(self):
        got = {t: sbp.Decoder().feed(encode(t, 1, 1, 1, 1))[0]["linktype"] for t in ALL_TYPES}
        self.assertEqual(got, {201: 0, 202: 1, 301: 0, 302: 1, 303: 2, 311: 0, 312: 1, 313: 2})

    def test_partial_reads_byte_by_byte(self):
        stream = encode(302, 0, 1000, 2, 7) + encode(202, 0, 1000, 2) + encode(303, 1, 1000, 2, 9, True)
        decoder = sbp.Decoder()
        out = []
        for i in range(len(stream)):
            out += decoder.feed(stream[i:i + 1])
        self.assertEqual(out, [expected(302, 0, 1000, 2, 7), expected(202, 0, 1000, 2), expected(303, 1, 1000, 2, 9)])
        self.assertEqual(decoder.pending, 0)

    def test_several_messages_in_one_read_and_a_split_tail(self):
        stream = b"".join(encode(t, 0, 1000, 3, 4) for t in ALL_TYPES)
        decoder = sbp.Decoder()
        first = decoder.feed(stream[:-5])
        self.assertEqual(len(first), len(ALL_TYPES) - 1)
        self.assertEqual(decoder.pending, 12 - 5)
        last = decoder.feed(stream[-5:])
        self.assertEqual(last, [expected(313, 0, 1000, 3, 4)])

    def test_garbage_is_a_protocol_error_keeping_earlier_messages(self):
        decoder = sbp.Decoder()
        with self.assertRaises(sbp.ProtocolError) as caught:
            decoder.feed(encode(302, 0, 1, 2, 3) + b"\xff\xff\x00\x00")
        self.assertEqual(caught.exception.messages, [expected(302, 0, 1, 2, 3)])
        with self.assertRaises(sbp.ProtocolError):
            sbp.Decoder().feed(struct.pack("=5H", 10, 999, 0, 1, 2))
        with self.assertRaises(sbp.ProtocolError):
            sbp.Decoder().feed(struct.pack("=5H", 10, 302, 0, 1, 2))


class ClientTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "sbp.sock")
        self.daemon = FakeDaemon(self.path)
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.stop()
        self.daemon.close()
        self.dir.cleanup()

    def threaded(self, callback, **kwargs):
        client = sbp.sbp(1000, callback, self.path, True, **kwargs)
        self.clients.append(client)
        client.start()
        return client

    def test_default_socket_path(self):
        self.assertEqual(sbp.DEFAULT_SOCKET, "/run/splitguard.sock")

    def test_registers_and_receives_replay_partial_and_batched_messages(self):
        got = Collector()
        client = self.threaded(got)
        conn, cluster = self.daemon.accept_registered()
        self.assertEqual(cluster, 1000)
        with conn:
            # The replay: several messages in one write.
            conn.sendall(encode(302, 0, 1000, 2, 7) + encode(202, 0, 1000, 2) + encode(301, 0, 1000, 2, 8))
            self.assertEqual(got.take(3), [expected(302, 0, 1000, 2, 7), expected(202, 0, 1000, 2),
                                           expected(301, 0, 1000, 2, 8)])
            # A message split over three writes.
            data = encode(302, 1, 1000, 2, 7)
            for part in (data[:1], data[1:7], data[7:]):
                conn.sendall(part)
                time.sleep(0.02)
            self.assertEqual(got.take(1), [expected(302, 1, 1000, 2, 7)])
            # Many at once, the last one split.
            burst = b"".join(encode(t, 0, 1000, 5, 1) for t in ALL_TYPES)
            conn.sendall(burst[:-3])
            time.sleep(0.02)
            conn.sendall(burst[-3:])
            self.assertEqual(got.take(len(ALL_TYPES)), [expected(t, 0, 1000, 5, 1) for t in ALL_TYPES])
            self.assertTrue(client.connected)
            alarms = client.active_alarms
            self.assertIn(expected(202, 0, 1000, 2), alarms)
            self.assertNotIn(expected(302, 0, 1000, 2, 7), alarms)
            self.assertEqual(len(alarms), 2 + len(ALL_TYPES))
        client.stop()
        self.assertIsNone(client.error)

    def test_reconnect_rebuilds_the_alarms_from_the_replay(self):
        got = Collector()
        client = self.threaded(got, min_delay=0.01, max_delay=0.05)
        conn, _ = self.daemon.accept_registered()
        conn.sendall(encode(302, 0, 1000, 2, 7) + encode(202, 0, 1000, 2))
        got.take(2)
        conn.close()  # the daemon restarts
        conn, cluster = self.daemon.accept_registered()
        self.assertEqual(cluster, 1000)
        with conn:
            conn.sendall(encode(301, 0, 1000, 3, 9))
            got.take(1)
            self.assertEqual(client.active_alarms, [expected(301, 0, 1000, 3, 9)])

    def test_unknown_cluster_is_disconnected_and_retried(self):
        got = Collector()
        self.threaded(got, min_delay=0.01, max_delay=0.05)
        conn, _ = self.daemon.accept_registered()
        conn.close()  # what the daemon does with an unknown cluster id
        conn, _ = self.daemon.accept_registered()
        with conn:
            conn.sendall(encode(202, 0, 1000, 2))
            self.assertEqual(got.take(1), [expected(202, 0, 1000, 2)])

    def test_blocking_mode_returns_on_stop_listening(self):
        seen = []

        def callback(msg):
            seen.append(msg)
            if len(seen) == 2:
                raise sbp.StopListening()

        def serve():
            conn, _ = self.daemon.accept_registered()
            conn.sendall(encode(302, 0, 1000, 2, 7) + encode(202, 0, 1000, 2) + encode(201, 0, 1000, 2))
            time.sleep(0.5)
            conn.close()

        server = threading.Thread(target=serve)
        server.start()
        sbp.sbp(1000, callback, self.path)  # blocks, like sbp's library
        server.join()
        self.assertEqual(seen, [expected(302, 0, 1000, 2, 7), expected(202, 0, 1000, 2)])

    def test_blocking_mode_without_reconnect_returns_when_the_daemon_closes(self):
        def serve():
            conn, _ = self.daemon.accept_registered()
            conn.sendall(encode(312, 0, 1000, 4, 2))
            conn.close()

        server = threading.Thread(target=serve)
        server.start()
        seen = []
        sbp.sbp(1000, seen.append, self.path, False, reconnect=False)
        server.join()
        self.assertEqual(seen, [expected(312, 0, 1000, 4, 2)])

    def test_stop_from_the_callback(self):
        done = threading.Event()
        holder = {}

        def callback(msg):
            holder["client"].stop()
            done.set()

        client = sbp.sbp(1000, callback, self.path, True)
        holder["client"] = client
        self.clients.append(client)
        client.start()
        conn, _ = self.daemon.accept_registered()
        with conn:
            conn.sendall(encode(202, 0, 1000, 2))
            self.assertTrue(done.wait(TIMEOUT))
            client._thread.join(TIMEOUT)
            self.assertFalse(client._thread.is_alive())

    def test_garbage_from_the_daemon_reconnects(self):
        got = Collector()
        self.threaded(got, min_delay=0.01, max_delay=0.05)
        conn, _ = self.daemon.accept_registered()
        conn.sendall(encode(202, 0, 1000, 2) + b"\x03\x00garbage")
        self.assertEqual(got.take(1), [expected(202, 0, 1000, 2)])
        conn2, _ = self.daemon.accept_registered()
        conn.close()
        with conn2:
            conn2.sendall(encode(201, 0, 1000, 2))
            self.assertEqual(got.take(1), [expected(201, 0, 1000, 2)])


if __name__ == "__main__":
    unittest.main()
