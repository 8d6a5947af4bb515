"""sbp-compatible client for SplitGuard's socket API.

    import sbp

    def changed(msg):
        # {'msg_type': 302, 'state': 0, 'ClusterID': 1000, 'NodeID': 2, 'linktype': 1, 'lID': 7}
        print(msg)

    client = sbp.sbp(1000, changed, "/run/splitguard.sock", True)
    client.start()
    ...
    client.stop()

Standard library only. See README.md and SplitGuard's docs/api.md.
"""

from .client import DEFAULT_SOCKET, StopListening, sbp
from .wire import LINKTYPE_ICMP, LINKTYPE_ICMP_HOP, LINKTYPE_UDP, MESSAGE_TYPES, Decoder, ProtocolError, encode

__version__ = "0.1.0"

__all__ = ["sbp", "DEFAULT_SOCKET", "StopListening", "Decoder", "ProtocolError", "encode", "MESSAGE_TYPES",
           "LINKTYPE_ICMP", "LINKTYPE_UDP", "LINKTYPE_ICMP_HOP"]
