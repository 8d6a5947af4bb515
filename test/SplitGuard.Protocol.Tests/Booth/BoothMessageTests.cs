using System.Buffers.Binary;
using System.Net;
using System.Text;
using SplitGuard.Protocol.Booth;
using Xunit;

namespace SplitGuard.Protocol.Tests.Booth;

/// <summary>booth's ticket message byte for byte, against the decoded capture in shared/specs/booth.md section 10.</summary>
public sealed class BoothMessageTests
{
    /// <summary>The key of the verified captures.</summary>
    internal static readonly byte[] Key = Encoding.ASCII.GetBytes("bth-shared-secret-0123456789");

    /// <summary>Frame 29 of the bridge capture: HrtB from 10.98.0.1 to 10.98.0.2, 152 bytes.</summary>
    internal static byte[] CapturedHeartbeat()
    {
        var b = new byte[152];
        Convert.FromHexString("000000016b0245ab0002f98a5f1ba08c").CopyTo(b, 0x00);
        Convert.FromHexString("0001000372ad10a00000009848727442").CopyTo(b, 0x10);
        Encoding.ASCII.GetBytes("ticketA").CopyTo(b, 0x30);
        Convert.FromHexString("72ad10a0000000000000001d00000002").CopyTo(b, 0x70);
        Convert.FromHexString("1d7c5de7fe9692394e2fccd0da1b96f6").CopyTo(b, 0x80);
        Convert.FromHexString("7724940e00000000").CopyTo(b, 0x90);
        return b;
    }

    internal static BoothMessage HeartbeatAsCaptured() =>
        new(0x72AD10A0, BoothCommand.Heartbeat, BoothCommand.None, BoothClientOptions.None, BoothReason.JustSo,
            BoothResult.Success, "ticketA", 0x72AD10A0, 0, 29)
        { Secs = 1795311019, Usecs = 194954 };

    [Fact]
    public void Captured_heartbeat_decodes_field_by_field()
    {
        var bytes = CapturedHeartbeat();
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(bytes, Key, out var m));
        Assert.Equal(0x72AD10A0u, m.From);
        Assert.Equal(BoothCommand.Heartbeat, m.Command);
        Assert.Equal(BoothCommand.None, m.Request);
        Assert.Equal(BoothReason.JustSo, m.Reason);
        Assert.Equal(BoothResult.Success, m.Result);
        Assert.Equal("ticketA", m.Ticket);
        Assert.Equal(0x72AD10A0u, m.Leader);
        Assert.Equal(0u, m.Term);
        Assert.Equal(29u, m.TermValidFor);
        Assert.Equal(1795311019u, m.Secs);
        Assert.Equal(194954u, m.Usecs);
        Assert.True(m.Authenticated);
    }

    [Fact]
    public void Formatting_the_captured_heartbeat_gives_the_same_152_bytes_and_hmac()
    {
        var written = HeartbeatAsCaptured().ToBytes(Key);
        Assert.Equal(152, written.Length);
        Assert.Equal(Convert.ToHexString(CapturedHeartbeat()), Convert.ToHexString(written));
    }

    [Fact]
    public void Without_a_key_the_message_is_124_bytes_with_zero_opts_and_timestamps()
    {
        var written = HeartbeatAsCaptured().ToBytes([]);
        Assert.Equal(124, written.Length);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(written));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(written.AsSpan(4)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(written.AsSpan(8)));
        Assert.Equal(124u, BinaryPrimitives.ReadUInt32BigEndian(written.AsSpan(24)));
        Assert.Equal(CapturedHeartbeat().AsSpan(12, 12).ToArray(), written.AsSpan(12, 12).ToArray());
        Assert.Equal(CapturedHeartbeat().AsSpan(28, 96).ToArray(), written.AsSpan(28, 96).ToArray());
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(written, [], out var m));
        Assert.Equal("ticketA", m.Ticket);
        Assert.False(m.Authenticated);
    }

    [Fact]
    public void A_receiver_without_a_key_accepts_an_authenticated_message_as_booth_does()
    {
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(CapturedHeartbeat(), [], out var m));
        Assert.Equal(BoothCommand.Heartbeat, m.Command);
    }

    [Theory]
    [InlineData("Stat", BoothCommand.Status)]
    [InlineData("MIdx", BoothCommand.MyIndex)]
    [InlineData("RVot", BoothCommand.RequestVote)]
    [InlineData("VtFr", BoothCommand.VoteFor)]
    [InlineData("HrtB", BoothCommand.Heartbeat)]
    [InlineData("Ack.", BoothCommand.Ack)]
    [InlineData("UpdE", BoothCommand.Update)]
    [InlineData("Revk", BoothCommand.Revoke)]
    [InlineData("RJC!", BoothCommand.Rejected)]
    [InlineData("CLst", BoothCommand.ClientList)]
    [InlineData("CGnt", BoothCommand.ClientGrant)]
    [InlineData("CRvk", BoothCommand.ClientRevoke)]
    [InlineData("Peer", BoothCommand.ClientPeers)]
    [InlineData("Rslt", BoothCommand.ClientResult)]
    [InlineData("RLst", BoothCommand.ClientListReply)]
    public void Command_codes_are_their_fourcc(string text, BoothCommand command)
    {
        Assert.Equal(FourCc.Of(text), (uint)command);
        Assert.Equal(text, FourCc.Text((uint)command));
    }

    [Theory]
    [InlineData("More", BoothResult.More)]
    [InlineData("Redr", BoothResult.Redirect)]
    [InlineData("IArg", BoothResult.InvalidArgument)]
    [InlineData("Over", BoothResult.Overgrant)]
    [InlineData("Tidl", BoothResult.TicketIdle)]
    [InlineData("Auth", BoothResult.AuthFailed)]
    [InlineData("XPrg", BoothResult.ExternalFailed)]
    [InlineData("TOdt", BoothResult.TermOutdated)]
    [InlineData("TVld", BoothResult.TermStillValid)]
    [InlineData("Outd", BoothResult.YouOutdated)]
    public void Result_codes_are_their_fourcc(string text, BoothResult result) => Assert.Equal(FourCc.Of(text), (uint)result);

    [Theory]
    [InlineData("Admn", BoothReason.Admin)]
    [InlineData("TLst", BoothReason.TicketLost)]
    [InlineData("Racq", BoothReason.Reacquire)]
    [InlineData("Spdn", BoothReason.StepDown)]
    [InlineData("LocF", BoothReason.LocalFail)]
    public void Reason_codes_are_their_fourcc(string text, BoothReason reason) => Assert.Equal(FourCc.Of(text), (uint)reason);

    [Theory]
    [InlineData("10.98.0.1", 0x72AD10A0u)]
    [InlineData("10.98.0.2", 0x6BA4411Au)]
    [InlineData("10.98.0.3", 0x1CA3718Cu)]
    public void Site_ids_are_crc32_of_the_address_with_bit_31_cleared(string address, uint id) =>
        Assert.Equal(id, BoothSiteId.Of(IPAddress.Parse(address)));

    [Fact]
    public void Crc32_matches_the_standard_check_value() =>
        Assert.Equal(0xCBF43926u, BoothSiteId.Crc32("123456789"u8));

    [Fact]
    public void An_ipv4_mapped_ipv6_address_is_a_different_member() =>
        Assert.NotEqual(BoothSiteId.Of(IPAddress.Parse("10.98.0.1")), BoothSiteId.Of(IPAddress.Parse("::ffff:10.98.0.1")));

    [Fact]
    public void Every_field_round_trips_with_and_without_a_key()
    {
        var m = new BoothMessage(7, BoothCommand.Rejected, BoothCommand.RequestVote, BoothClientOptions.Immediate,
            BoothReason.TicketLost, BoothResult.TermStillValid, "a/b-C9", BoothMessage.NoOne, 12345, 29999)
        { Secs = 10, Usecs = 20 };
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(m.ToBytes(Key), Key, out var withKey));
        Assert.Equal(m with { Authenticated = true }, withKey);
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(m.ToBytes([]), [], out var plain));
        Assert.Equal(m with { Secs = 0, Usecs = 0 }, plain);
    }

    [Fact]
    public void A_63_character_name_fits_and_64_does_not()
    {
        var name = new string('t', 63);
        var m = HeartbeatAsCaptured() with { Ticket = name };
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParse(m.ToBytes(Key), Key, out var back));
        Assert.Equal(name, back.Ticket);
        Assert.Throws<ArgumentException>(() => (m with { Ticket = name + "t" }).ToBytes(Key));
    }

    [Fact]
    public void List_reply_text_sits_after_the_trailer_and_outside_the_mac()
    {
        var header = new BoothMessage(1, BoothCommand.ClientListReply, BoothCommand.ClientList, 0, 0, 0, "", 0, 0, 0)
        { Secs = 5, Usecs = 6 };
        const string Text = "ticket: ticketA, leader: NONE\n";
        var bytes = header.FormatTextReply(Text, Key);
        Assert.Equal(106, bytes.Length);
        Assert.Equal(106u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(24)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(48)));
        Assert.Equal(Text, Encoding.ASCII.GetString(bytes, 76, 30));
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParseTextReply(bytes, Key, out var m, out var text));
        Assert.Equal(BoothCommand.ClientListReply, m.Command);
        Assert.Equal(Text, text);

        bytes[60] ^= 1; // inside the MAC
        Assert.Equal(BoothPacketError.BadMac, BoothMessage.TryParseTextReply(bytes, Key, out _, out _));
        bytes[60] ^= 1;
        bytes[90] ^= 1; // the text: not covered, as in booth
        Assert.Equal(BoothPacketError.None, BoothMessage.TryParseTextReply(bytes, Key, out _, out _));
    }

    [Fact]
    public void Peek_length_frames_a_stream()
    {
        var bytes = CapturedHeartbeat();
        Assert.True(BoothMessage.TryPeekLength(bytes.AsSpan(0, 48), out var length));
        Assert.Equal(152, length);
        Assert.False(BoothMessage.TryPeekLength(bytes.AsSpan(0, 47), out _));
        Assert.Equal(0x72AD10A0u, BoothMessage.PeekFrom(bytes));
    }
}
