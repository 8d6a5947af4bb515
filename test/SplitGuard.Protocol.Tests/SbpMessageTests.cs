using SplitGuard.Protocol.Sbp;
using Xunit;

namespace SplitGuard.Protocol.Tests;

/// <summary>sbp's socket API messages, byte for byte (seed 000, section 4): native-order unsigned shorts.</summary>
public sealed class SbpMessageTests
{
    public static TheoryData<SbpMessageType, bool> AllTypes() => new()
    {
        { SbpMessageType.IcmpPath, false }, { SbpMessageType.UdpPath, false },
        { SbpMessageType.IcmpLink, true }, { SbpMessageType.UdpLink, true }, { SbpMessageType.IcmpHopLink, true },
        { SbpMessageType.IcmpOneWay, true }, { SbpMessageType.UdpOneWay, true }, { SbpMessageType.IcmpHopOneWay, true },
    };

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Every_type_encodes_length_type_state_cluster_node_and_link_above_300(SbpMessageType type, bool hasLink)
    {
        var message = new SbpMessage(type, 0, 1000, 2, 7);
        var bytes = new byte[12];
        int n = message.Format(bytes);
        var expected = new List<ushort> { (ushort)(hasLink ? 12 : 10), (ushort)type, 0, 1000, 2 };
        if (hasLink)
        {
            expected.Add(7);
        }

        Assert.Equal(expected.Count * 2, n);
        var expectedBytes = expected.SelectMany(BitConverter.GetBytes).ToArray(); // host order, as sbp's struct.pack('H')
        Assert.Equal(expectedBytes, bytes[..n]);
        Assert.Equal(n, SbpMessage.TryParse(bytes, out var parsed));
        Assert.Equal(hasLink ? message : message with { Link = 0 }, parsed);
    }

    [Fact]
    public void Link_types_follow_sbp_numbering()
    {
        Assert.Equal(SbpLinkType.Icmp, new SbpMessage(SbpMessageType.IcmpLink, 1, 1, 1, 1).LinkType);
        Assert.Equal(SbpLinkType.Udp, new SbpMessage(SbpMessageType.UdpPath, 1, 1, 1, 0).LinkType);
        Assert.Equal(SbpLinkType.IcmpHop, new SbpMessage(SbpMessageType.IcmpHopLink, 1, 1, 1, 1).LinkType);
        Assert.Equal((ushort)2, (ushort)SbpLinkType.IcmpHop);
    }

    [Fact]
    public void Several_messages_in_one_read_and_partial_reads()
    {
        var stream = new byte[34];
        int at = new SbpMessage(SbpMessageType.UdpLink, 0, 5, 2, 1).Format(stream);
        at += new SbpMessage(SbpMessageType.UdpPath, 0, 5, 2, 0).Format(stream.AsSpan(at));
        at += new SbpMessage(SbpMessageType.IcmpHopLink, 1, 5, 2, 3).Format(stream.AsSpan(at));
        Assert.Equal(34, at);

        var seen = new List<SbpMessage>();
        int offset = 0;
        while (offset < stream.Length)
        {
            int used = SbpMessage.TryParse(stream.AsSpan(offset), out var m);
            Assert.True(used > 0);
            seen.Add(m);
            offset += used;
        }

        Assert.Equal([SbpMessageType.UdpLink, SbpMessageType.UdpPath, SbpMessageType.IcmpHopLink], seen.Select(m => m.Type));
        Assert.Equal(0, SbpMessage.TryParse(stream.AsSpan(0, 1), out _));
        Assert.Equal(0, SbpMessage.TryParse(stream.AsSpan(0, 11), out _));
        Assert.Equal(-1, SbpMessage.TryParse(new byte[] { 9, 0, 0, 0 }, out _));
    }
}
