using System.Buffers.Binary;
using System.Net;
using SplitGuard.Lab.Tests.Infrastructure;
using SplitGuard.Protocol.Booth;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// booth's bad-packet matrix (its unit test 002_bad_packets, made black-box) against SplitGuard as arbitrator while a
/// real boothd site holds the ticket. Every packet is built from a message that *would* move the ticket if accepted
/// (a heartbeat from n2 claiming a newer term), then broken one way. Nothing may change state, the counters in
/// <c>booth peers</c> must match the matrix exactly, and the daemon must stay up.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class BadPacketLabTests(ITestOutputHelper output)
{
    private static byte[] Key => "sgb-shared-secret-0123456789"u8.ToArray();

    [Fact]
    public async Task Malformed_forged_unknown_stale_replayed_and_reordered_packets_change_nothing_and_are_counted()
    {
        await using var lab = await BoothLab.CreateAsync(["w"]);
        try
        {
            await lab.StartAllAsync();
            var grant = await lab.BoothAsync("n1", "grant", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            await lab.WaitAllAgreeAsync("n1", TimeSpan.FromSeconds(5));

            var n1 = BoothSiteId.Of(IPAddress.Parse(lab.Ip("n1")));
            var n2 = BoothSiteId.Of(IPAddress.Parse(lab.Ip("n2")));
            var now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var takeover = new BoothMessage(n2, BoothCommand.Heartbeat, 0, 0, 0, 0, BoothLab.Ticket, n2, 7, 9) { Secs = now + 5, Usecs = 1 };

            byte[] Mutate(Action<byte[]> change, BoothMessage? m = null)
            {
                var b = (m ?? takeover).ToBytes(Key);
                change(b);
                return b;
            }

            var before2 = await lab.CountersAsync("w", "n2");
            var before1 = await lab.CountersAsync("w", "n1");
            var errors = new List<byte[]>
            {
                Mutate(b => b[12] ^= 0xFF), // magic
                Mutate(b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), 0x00010002)), // version
                Mutate(b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(24), 124)), // length field
                takeover.ToBytes(Key)[..100], // truncated
            };
            var authFailures = new List<byte[]>
            {
                Mutate(b => b[130] ^= 0x01), // MAC byte
                Mutate(b => b[120] ^= 0x01), // body byte under the MAC
                Mutate(b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(124), 1)), // hash id
                takeover.ToBytes("a-wrong-key-for-sure"u8), // wrong key
                takeover.ToBytes([]), // no trailer
                (takeover with { Secs = now - 700 }).ToBytes(Key), // older than maxtimeskew (600 s)
            };
            var invalid = new List<byte[]>
            {
                (takeover with { Ticket = "other", Usecs = 2 }).ToBytes(Key), // unknown ticket
                (takeover with { Leader = 0x12345678, Usecs = 3 }).ToBytes(Key), // unknown leader
            };
            var unknownSender = (takeover with { From = 0x12345678 }).ToBytes(Key);
            // a fresh, valid, harmless Stat from n2 (answered with MIdx), then its replay and an older packet
            var stat = new BoothMessage(n2, BoothCommand.Status, 0, 0, 0, 0, BoothLab.Ticket, BoothMessage.NoOne, 0, 0) { Secs = now + 10, Usecs = 5 };
            var replayed = new List<byte[]> { stat.ToBytes(Key), stat.ToBytes(Key), (takeover with { Secs = now + 9 }).ToBytes(Key) };

            // The real boothds may have a packet of their own dropped as reordered (booth resends, e.g. an RVot during the
            // election): only what the log says after this send, about n2, counts.
            var logBefore = lab.OutputOf("w").Length;
            await SendAsync(lab, "n2", [.. errors, .. authFailures, .. invalid, unknownSender, .. replayed]);
            await Task.Delay(500);

            var after2 = await lab.CountersAsync("w", "n2");
            var after1 = await lab.CountersAsync("w", "n1");
            output.WriteLine($"n2 counters {before2} -> {after2}");
            Assert.Equal(before2.Error + errors.Count, after2.Error);
            Assert.Equal(before2.AuthFail + authFailures.Count, after2.AuthFail);
            Assert.Equal(before2.Invalid + invalid.Count, after2.Invalid);
            Assert.Equal((before1.Error, before1.AuthFail, before1.Invalid), (after1.Error, after1.AuthFail, after1.Invalid));
            var log = lab.OutputOf("w");
            Assert.Contains("unknown sender id 0x12345678", log, StringComparison.Ordinal);
            Assert.Equal(2, CountOf(log[logBefore..], $"from {lab.Ip("n2")}: timestamp not newer than the previous one (replayed or reordered)"));
            Assert.Equal(1, CountOf(log, "timestamp older than maxtimeskew"));

            // nothing moved: n1 still holds it everywhere, through the next renewals; SplitGuard is up
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.False(lab.Process("w").HasExited);
            Assert.All((await lab.LeadersAsync()).Values, v => Assert.Equal("n1", v));
            Assert.DoesNotContain("following " + lab.Ip("n2"), lab.OutputOf("w"), StringComparison.Ordinal);

            // the control: the unbroken packet does move the arbitrator (so the matrix above tested something)
            await SendAsync(lab, "n2", [(takeover with { Secs = now + 20 }).ToBytes(Key)]);
            await Polling.WaitUntilAsync(() => lab.OutputOf("w").Contains("following " + lab.Ip("n2"), StringComparison.Ordinal),
                TimeSpan.FromSeconds(5), "the valid forged heartbeat is accepted");
        }
        catch
        {
            output.WriteLine(lab.Describe());
            throw;
        }
    }

    private static int CountOf(string text, string fragment)
    {
        var n = 0;
        for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Sends datagrams to the arbitrator from <paramref name="from"/>'s namespace and address (system python).</summary>
    private static async Task SendAsync(BoothLab lab, string from, IEnumerable<byte[]> packets)
    {
        const string Script = "import socket,sys,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind((sys.argv[1],0))\n"
            + "for h in sys.argv[3:]:\n    s.sendto(bytes.fromhex(h),(sys.argv[2],9929)); time.sleep(0.02)\n";
        var result = await ProcessRunner.RunAsync("ip",
            ["netns", "exec", lab.Ns(from), "/usr/bin/python3", "-c", Script, lab.Ip(from), lab.Ip("w"), .. packets.Select(Convert.ToHexString)],
            TimeSpan.FromSeconds(20));
        result.EnsureSuccess();
    }
}
