using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SplitGuard.Protocol.Heartbeat;

public readonly partial record struct HeartbeatFrame
{
    /// <summary>Writes the frame and its MAC into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The payload is too long or the destination too short.</exception>
    public int Format(Span<byte> destination, ReadOnlySpan<byte> key)
    {
        if (Payload.Length > MaxPayload)
        {
            throw new ArgumentException($"payload of {Payload.Length} bytes exceeds {MaxPayload}", nameof(destination));
        }

        int size = Size;
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, frame needs {size}", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        destination[4] = CurrentVersion;
        destination[5] = (byte)Kind;
        destination[6] = (byte)Status;
        destination[7] = Flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], Cluster);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], Sender);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], Receiver);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], Link);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], Ack);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Incarnation);
        BinaryPrimitives.WriteUInt64BigEndian(destination[32..], SenderTime);
        BinaryPrimitives.WriteUInt32BigEndian(destination[40..], LeaseTerm);
        BinaryPrimitives.WriteUInt16BigEndian(destination[44..], LeaseHolder);
        BinaryPrimitives.WriteUInt16BigEndian(destination[46..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[48..], (ushort)Payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[50..], 0);
        Payload.Span.CopyTo(destination[HeaderSize..]);
        int signed = HeaderSize + Payload.Length;
        WriteMac(key, destination[..signed], destination.Slice(signed, MacSize));
        return size;
    }

    internal static void WriteMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> signed, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signed, full);
        full[..MacSize].CopyTo(mac);
    }
}
