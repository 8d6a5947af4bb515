using System.Runtime.InteropServices;
using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Client;

/// <summary>
/// Decodes the sbp byte stream. <see cref="SbpMessage.TryParse"/> comes first; when it rejects a message, both layouts
/// seen in the wild are tried: the seed document's (length, type, state, cluster, node[, link]: 10 and 12 bytes) and
/// sbpd's own implementation's, which also puts <c>linktype</c> on the wire after the node id (12 and 14 bytes). The
/// message type tells 12-byte messages apart, so the client works against either daemon.
/// </summary>
internal static class SbpWire
{
    /// <summary>Bytes consumed, 0 when more bytes are needed, -1 when the stream is not sbp.</summary>
    public static int TryParse(ReadOnlySpan<byte> data, out SbpMessage message)
    {
        int n = SbpMessage.TryParse(data, out message);
        if (n != -1)
        {
            return n;
        }

        message = default;
        ushort length = MemoryMarshal.Read<ushort>(data);
        if (length is not (10 or 12 or 14))
        {
            return -1;
        }

        if (data.Length < length)
        {
            return 0;
        }

        var words = MemoryMarshal.Cast<byte, ushort>(data[..length]);
        var type = (SbpMessageType)words[1];
        if (!Enum.IsDefined(type))
        {
            return -1;
        }

        bool hasLink = (ushort)type > 300;
        ushort link;
        switch (length)
        {
            case 10 when !hasLink:
            case 12 when !hasLink:
                link = 0;
                break;
            case 12:
                link = words[5];
                break;
            case 14 when hasLink:
                link = words[6];
                break;
            default:
                return -1;
        }

        message = new SbpMessage(type, words[2], words[3], words[4], link);
        return length;
    }
}
