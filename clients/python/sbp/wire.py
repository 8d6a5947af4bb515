"""Decoding of the sbp socket API byte stream (standard library only).

Every value is an unsigned short in the host's native byte order (struct '=H'). A message is::

    length, msg_type, state, ClusterID, NodeID[, lID]      (the documented layout: 10 or 12 bytes)
    length, msg_type, state, ClusterID, NodeID, linktype[, lID]   (sbpd's own layout: 12 or 14 bytes)

``length`` counts the whole message including itself; ``lID`` is present for message types above 300. Both
layouts are accepted; the message type tells the two 12-byte forms apart. Several messages may arrive in one read
and a message may be split across reads: :class:`Decoder` keeps the remainder.
"""

import struct

__all__ = ["MESSAGE_TYPES", "LINKTYPE_ICMP", "LINKTYPE_UDP", "LINKTYPE_ICMP_HOP", "ProtocolError", "Decoder",
           "encode", "linktype_of"]

_WORD = struct.Struct("=H")

#: The message types of sbp's socket API.
MESSAGE_TYPES = (201, 202, 301, 302, 303, 311, 312, 313)

LINKTYPE_ICMP = 0
LINKTYPE_UDP = 1
LINKTYPE_ICMP_HOP = 2


class ProtocolError(ValueError):
    """The byte stream is not sbp messages. ``messages`` holds those decoded before the bad bytes."""

    def __init__(self, text, messages=None):
        super().__init__(text)
        self.messages = messages or []


def linktype_of(msg_type):
    """sbp's ``linktype`` of a message type: 0 icmp (201, 301, 311), 1 udp (202, 302, 312), 2 icmp_hop (303, 313)."""
    return (msg_type % 10) - 1


def encode(msg_type, state, cluster_id, node_id, link_id=0, with_linktype=False):
    """Encodes one message (for tests and fake servers). ``with_linktype`` selects sbpd's layout."""
    words = [msg_type, state, cluster_id, node_id]
    if with_linktype:
        words.append(linktype_of(msg_type))
    if msg_type > 300:
        words.append(link_id)
    length = 2 * (len(words) + 1)
    return struct.pack("=%dH" % (len(words) + 1), length, *words)


class Decoder:
    """Turns received bytes into sbp's callback dictionaries, across partial reads."""

    def __init__(self):
        self._pending = bytearray()

    @property
    def pending(self):
        """Bytes of an incomplete message kept for the next read."""
        return len(self._pending)

    def reset(self):
        self._pending.clear()

    def feed(self, data):
        """Adds received bytes; returns the list of complete messages as dicts. Raises ProtocolError on garbage."""
        self._pending += data
        messages = []
        at = 0
        buf = self._pending
        try:
            while len(buf) - at >= 2:
                (length,) = _WORD.unpack_from(buf, at)
                if length not in (10, 12, 14):
                    raise ProtocolError("invalid sbp message length %d" % length)
                if len(buf) - at < length:
                    break
                words = struct.unpack_from("=%dH" % (length // 2), buf, at)
                messages.append(_message(words))
                at += length
        except ProtocolError as e:
            buf.clear()
            raise ProtocolError(str(e), messages) from None
        del buf[:at]
        return messages


def _message(words):
    length, msg_type, state, cluster_id, node_id = words[:5]
    if msg_type not in MESSAGE_TYPES:
        raise ProtocolError("unknown sbp message type %d" % msg_type)
    has_link = msg_type > 300
    if has_link and length == 12:
        link_id = words[5]
    elif has_link and length == 14:
        link_id = words[6]
    elif not has_link and length in (10, 12):
        link_id = None
    else:
        raise ProtocolError("message type %d cannot be %d bytes long" % (msg_type, length))
    pkt = {
        "msg_type": msg_type,
        "state": state,
        "ClusterID": cluster_id,
        "NodeID": node_id,
        "linktype": linktype_of(msg_type),
    }
    if link_id is not None:
        pkt["lID"] = link_id
    return pkt
