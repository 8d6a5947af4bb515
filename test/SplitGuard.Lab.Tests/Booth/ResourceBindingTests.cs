using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Booth;

/// <summary>
/// Pacemaker's ticket constraint for SplitGuard's own resources: two SplitGuard sites (JSON config: Tickets with
/// resources_ticket, and a Resources section with a pha-style script) and a real boothd arbitrator. The resource runs
/// only at the holder; a holder cut off from everyone stops it before its lease ends, so the other site starts it only
/// after the stop (no overlap in the shared ownership log); a revoke stops it.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ResourceBindingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_bound_resource_follows_the_ticket_and_never_runs_at_two_sites()
    {
        await using var lab = await BoothLab.CreateAsync(["n1", "n2"]);
        var log = Path.Combine(lab.Network.WorkDir, "ownership.log");
        foreach (var site in new[] { "n1", "n2" })
        {
            var json = Path.Combine(lab.Network.WorkDir, site + ".json");
            await File.WriteAllTextAsync(json, $$"""
                {
                  "Tickets": {
                    "port": 9929,
                    "authfile": "{{Path.Combine(lab.Network.WorkDir, "authkey")}}",
                    "members": [ { "site": "{{lab.Ip("n1")}}" }, { "site": "{{lab.Ip("n2")}}" }, { "arbitrator": "{{lab.Ip("w")}}" } ],
                    "tickets": { "ticketA": { "expire": 10, "timeout": 1, "retries": 3, "renewal-freq": 5, "acquire-after": 2 } },
                    "resources_ticket": "ticketA",
                    "ownership_log": "{{log}}"
                  },
                  "Resources": [
                    { "name": "svc", "agent": "script:{{Path.Combine(LabPaths.LabDir, "agents", "pha", "service.sh")}}",
                      "params": { "statedir": "{{Path.Combine(lab.Network.WorkDir, "state-" + site)}}" } }
                  ]
                }
                """);
            lab.SplitGuardConfigs[site] = json;
        }

        try
        {
            await lab.StartAllAsync();
            var grant = await lab.BoothAsync("n1", "grant", "-s", lab.Ip("n1"), BoothLab.Ticket);
            Assert.True(grant.Succeeded, grant.Describe());
            await Polling.WaitUntilAsync(() => Events(log).Any(e => e.Node == lab.Ip("n1") && e.What == "start_ok"),
                TimeSpan.FromSeconds(10), "the resource starts at the holder n1");
            Assert.DoesNotContain(Events(log), e => e.Node == lab.Ip("n2"));

            await lab.Network.FaultAsync("partition", "n1", "n2");
            await lab.Network.FaultAsync("partition", "n1", "w");
            await Polling.WaitUntilAsync(() => Events(log).Any(e => e.Node == lab.Ip("n2") && e.What == "start_ok"),
                TimeSpan.FromSeconds(30), "the resource starts at n2");
            var events = Events(log);
            var n1Stop = events.Single(e => e.Node == lab.Ip("n1") && e.What == "stop_ok").At;
            var n2Start = events.Single(e => e.Node == lab.Ip("n2") && e.What == "start_invoke").At;
            output.WriteLine($"n1 stopped {(n2Start - n1Stop).TotalSeconds:F2} s before n2 started");
            Assert.True(n2Start - n1Stop > TimeSpan.FromSeconds(2), $"stop {n1Stop:O}, start {n2Start:O}"); // at least acquire-after apart

            await lab.Network.FaultAsync("heal");
            await lab.WaitAllAgreeAsync("n2", TimeSpan.FromSeconds(15));
            var revoke = await lab.BoothAsync("n2", "revoke", "-s", lab.Ip("n2"), BoothLab.Ticket);
            Assert.True(revoke.Succeeded, revoke.Describe());
            await Polling.WaitUntilAsync(() => Events(log).Any(e => e.Node == lab.Ip("n2") && e.What == "stop_ok"),
                TimeSpan.FromSeconds(10), "the revoke stops the resource at n2");
            Assert.Single(Events(log), e => e.Node == lab.Ip("n1") && e.What == "start_ok"); // n1 never started it again
        }
        catch
        {
            output.WriteLine(lab.Describe());
            output.WriteLine(File.Exists(log) ? File.ReadAllText(log) : "(no ownership log)");
            throw;
        }
    }

    private static List<(DateTimeOffset At, string Node, string What)> Events(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Where(p => p.Length >= 4)
            .Select(p => (DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(p[0], CultureInfo.InvariantCulture) / 1_000_000), p[1], p[3]))
            .ToList();
    }
}
