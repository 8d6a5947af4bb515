using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using SplitGuard.Protocol.Booth;
using Xunit;

namespace SplitGuard.Protocol.Tests.Booth;

/// <summary>The codec half of the bad-packet matrix (booth's unit test 002_bad_packets): every defect is refused with
/// the error booth counts it under, and no input throws.</summary>
public sealed class BoothBadPacketTests
{
    private static readonly byte[] Key = BoothMessageTests.Key;

    public static TheoryData<string, BoothPacketError> Mutations() => new()
    {
        { "magic", BoothPacketError.BadMagic },
        { "version", BoothPacketError.BadVersion },
        { "length-short", BoothPacketError.BadLength },
        { "length-long", BoothPacketError.Truncated },
        { "length-below-header", BoothPacketError.BadLength },
        { "datagram-longer", BoothPacketError.BadLength },
        { "datagram-shorter", BoothPacketError.Truncated },
        { "truncated-header", BoothPacketError.Truncated },
        { "mac-byte", BoothPacketError.BadMac },
        { "mac-pad-ignored", BoothPacketError.None },
        { "hash-id", BoothPacketError.BadMac },
        { "body-byte", BoothPacketError.BadMac },
        { "header-byte", BoothPacketError.BadMac },
        { "wrong-key", BoothPacketError.BadMac },
        { "unauthenticated", BoothPacketError.BadMac },
        { "name-no-nul", BoothPacketError.BadTicketName },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Each_defect_is_refused_with_its_error(string mutation, BoothPacketError expected)
    {
        var bytes = BoothMessageTests.CapturedHeartbeat();
        var key = Key;
        switch (mutation)
        {
            case "magic": bytes[12] ^= 0x01; break;
            case "version": BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 0x00010002); break;
            case "length-short": BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), 124); break;
            case "length-long": BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), 153); break;
            case "length-below-header": BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), 47); break;
            case "datagram-longer": bytes = [.. bytes, 0]; break;
            case "datagram-shorter": bytes = bytes[..151]; break;
            case "truncated-header": bytes = bytes[..47]; break;
            case "mac-byte": bytes[130] ^= 0xFF; break;
            case "mac-pad-ignored": bytes[150] = 0x55; break;
            case "hash-id": BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(124), 3); break;
            case "body-byte": bytes[121] ^= 0x01; break;
            case "header-byte": bytes[44] ^= 0x01; break;
            case "wrong-key": key = "another-secret-key"u8.ToArray(); break;
            case "unauthenticated":
                bytes = BoothMessageTests.HeartbeatAsCaptured().ToBytes([]);
                break;
            case "name-no-nul":
                bytes = BoothMessageTests.HeartbeatAsCaptured().ToBytes([]);
                bytes.AsSpan(48, 64).Fill((byte)'x');
                key = [];
                break;
            default: throw new ArgumentOutOfRangeException(nameof(mutation));
        }

        Assert.Equal(expected, BoothMessage.TryParse(bytes, key, out _));
    }

    [Fact]
    public void A_plain_message_with_a_wrong_length_for_its_type_is_refused()
    {
        var bytes = BoothMessageTests.HeartbeatAsCaptured().ToBytes([]);
        var longer = new byte[140];
        bytes.CopyTo(longer, 0);
        BinaryPrimitives.WriteUInt32BigEndian(longer.AsSpan(24), 140);
        Assert.Equal(BoothPacketError.BadLength, BoothMessage.TryParse(longer, [], out _));
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_pass_the_mac()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var error = BoothMessage.TryParse(bytes, Key, out _);
            var textError = BoothMessage.TryParseTextReply(bytes, Key, out _, out _);
            return error != BoothPacketError.None && textError != BoothPacketError.None;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Single_byte_flips_of_a_valid_message_never_pass_except_in_the_mac_padding()
    {
        var good = BoothMessageTests.CapturedHeartbeat();
        for (var i = 0; i < good.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var bytes = (byte[])good.Clone();
                bytes[i] ^= (byte)(1 << bit);
                var error = BoothMessage.TryParse(bytes, Key, out _);
                if (i >= 148)
                {
                    Assert.Equal(BoothPacketError.None, error);
                }
                else
                {
                    Assert.NotEqual(BoothPacketError.None, error);
                }
            }
        }
    }
}
