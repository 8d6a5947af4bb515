using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using SplitGuard.Protocol.Heartbeat;
using Xunit;

namespace SplitGuard.Protocol.Tests;

public sealed class HeartbeatFrameTests
{
    private static readonly byte[] Key = "0123456789abcdef0123456789abcdef"u8.ToArray();

    private static HeartbeatFrame Sample(byte[]? payload = null) => new(
        FrameKind.Heartbeat, NodeStatus.Progress, HeartbeatFrame.FlagPeerHeard, 0x0102, 0x0304, 0x0506, 0x0708,
        0x090a0b0c, 0x0d0e0f10, 0x1112131415161718, 0x191a1b1c1d1e1f20, 0x21222324, 0x2526, payload ?? []);

    [Fact]
    public void Layout_is_big_endian_as_documented()
    {
        var frame = Sample([0xAA, 0xBB]);
        var bytes = new byte[frame.Size];
        Assert.Equal(HeartbeatFrame.HeaderSize + 2 + HeartbeatFrame.MacSize, frame.Format(bytes, Key));
        Assert.Equal("SGHB"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, bytes[4]);
        Assert.Equal((byte)FrameKind.Heartbeat, bytes[5]);
        Assert.Equal((byte)NodeStatus.Progress, bytes[6]);
        Assert.Equal(HeartbeatFrame.FlagPeerHeard, bytes[7]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, bytes[8..16]);
        Assert.Equal(new byte[] { 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 }, bytes[16..24]);
        Assert.Equal(0x1112131415161718UL, BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(24)));
        Assert.Equal(0x191a1b1c1d1e1f20UL, BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(32)));
        Assert.Equal(0x21222324U, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(40)));
        Assert.Equal(0x2526, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(44)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(48)));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, bytes[52..54]);
    }

    [Fact]
    public void Round_trip_preserves_every_field()
    {
        var frame = Sample([1, 2, 3]);
        var bytes = new byte[frame.Size];
        frame.Format(bytes, Key);
        Assert.Equal(FrameError.None, HeartbeatFrame.TryParse(bytes, Key, out var parsed));
        Assert.Equal(frame with { Payload = default }, parsed with { Payload = default });
        Assert.Equal(new byte[] { 1, 2, 3 }, parsed.Payload.ToArray());
    }

    [Theory]
    [InlineData(0, FrameError.Truncated)]
    [InlineData(3, FrameError.Truncated)]
    [InlineData(30, FrameError.Truncated)]
    [InlineData(HeartbeatFrame.MinSize - 1, FrameError.Truncated)]
    public void Short_frames_are_truncated(int length, FrameError expected)
    {
        var frame = Sample();
        var bytes = new byte[frame.Size];
        frame.Format(bytes, Key);
        Assert.Equal(expected, HeartbeatFrame.TryParse(bytes.AsSpan(0, length), Key, out _));
    }

    [Fact]
    public void Each_defect_has_its_own_reason()
    {
        var frame = Sample();
        var good = new byte[frame.Size];
        frame.Format(good, Key);

        var magic = (byte[])good.Clone();
        magic[0] ^= 0xff;
        Assert.Equal(FrameError.BadMagic, HeartbeatFrame.TryParse(magic, Key, out _));

        var version = (byte[])good.Clone();
        version[4] = 2;
        Assert.Equal(FrameError.BadVersion, HeartbeatFrame.TryParse(version, Key, out _));

        var longer = good.Concat(new byte[] { 0 }).ToArray();
        Assert.Equal(FrameError.BadLength, HeartbeatFrame.TryParse(longer, Key, out _));

        var lyingLength = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(lyingLength.AsSpan(48), 500);
        Assert.Equal(FrameError.Truncated, HeartbeatFrame.TryParse(lyingLength, Key, out _));

        var tampered = (byte[])good.Clone();
        tampered[17] ^= 1;
        Assert.Equal(FrameError.BadMac, HeartbeatFrame.TryParse(tampered, Key, out _));

        Assert.Equal(FrameError.BadMac, HeartbeatFrame.TryParse(good, "another key of 16+ bytes"u8, out _));
    }

    [Fact]
    public void A_valid_mac_over_an_unknown_kind_is_refused()
    {
        var frame = Sample() with { Kind = (FrameKind)9 };
        var bytes = new byte[frame.Size];
        frame.Format(bytes, Key);
        Assert.Equal(FrameError.BadKind, HeartbeatFrame.TryParse(bytes, Key, out _));
    }

    [Fact]
    public void Parsing_never_throws_and_random_bytes_never_authenticate()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), data =>
        {
            var error = HeartbeatFrame.TryParse(data, Key, out _);
            return error != FrameError.None;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Flipping_any_single_bit_of_a_valid_frame_is_detected()
    {
        var frame = Sample([7, 7, 7]);
        var good = new byte[frame.Size];
        frame.Format(good, Key);
        for (int bit = 0; bit < good.Length * 8; bit++)
        {
            var copy = (byte[])good.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(FrameError.None, HeartbeatFrame.TryParse(copy, Key, out _));
        }
    }
}
