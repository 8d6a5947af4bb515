using System.Collections.Concurrent;
using SplitGuard.Protocol.Booth;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>
/// Seeded fault schedules over the ticket engine (FAULTS.md F24, in-process layer): every 1-4 s one of partition,
/// one-way cut, heal, loss 0/10/30 %, crash and restart, grant or revoke at a random member. After every 1 ms step: S2
/// (never two members leading with a valid lease; one leader per term). After healing: all members agree on the
/// holder within 40 s. A failing seed is printed; SPLITGUARD_SEED replays one seed.
/// </summary>
public sealed class TicketRandomScheduleTests(ITestOutputHelper output)
{
    private const int Seeds = 200;

    [Fact]
    public void Seeded_fault_schedules_never_have_two_holders_and_agree_after_healing()
    {
        var only = Environment.GetEnvironmentVariable("SPLITGUARD_SEED");
        var seeds = only is null ? Enumerable.Range(1, Seeds) : [int.Parse(only, System.Globalization.CultureInfo.InvariantCulture)];
        var failures = new ConcurrentBag<string>();
        long grants = 0;
        Parallel.ForEach(seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var (failure, granted) = Run(seed);
            Interlocked.Add(ref grants, granted);
            if (failure is not null)
            {
                failures.Add($"seed {seed}: {failure}");
            }
        });
        output.WriteLine($"{seeds.Count()} schedules, {grants} successful grants");
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(5)));
        Assert.True(grants > 0, "no schedule granted the ticket: the test tested nothing");
    }

    /// <summary>The last log lines and actions, when one seed is replayed (SPLITGUARD_SEED).</summary>
    private static string Tail(BoothSim sim) =>
        Environment.GetEnvironmentVariable("SPLITGUARD_SEED") is null ? string.Empty : Environment.NewLine + string.Join(Environment.NewLine, sim.Log.TakeLast(60));

    private static (string? Failure, int Grants) Run(int seed)
    {
        var random = new Random(seed);
        var sim = new BoothSim(BoothConfigParserTests.Recipe, seed);
        sim.Run(3000);
        var requests = new List<long> { sim.Grant(random.Next(2)) };
        var crashed = new HashSet<int>();
        for (var step = 0; step < 25; step++)
        {
            var member = random.Next(3);
            switch (random.Next(8))
            {
                case 0:
                    sim.Log.Add($"{sim.Now} FAULT partition m{member}");
                    sim.Partition(member);
                    break;
                case 1:
                    var to = (member + 1 + random.Next(2)) % 3;
                    sim.Log.Add($"{sim.Now} FAULT cut m{member}->m{to}");
                    sim.Cuts.Add((member, to));
                    break;
                case 2:
                    sim.Log.Add($"{sim.Now} FAULT heal");
                    sim.Heal();
                    break;
                case 3:
                    sim.LossPercent = new[] { 0, 10, 30 }[random.Next(3)];
                    break;
                case 4 when !crashed.Contains(member):
                    sim.Log.Add($"{sim.Now} FAULT crash m{member}");
                    sim.Crash(member);
                    crashed.Add(member);
                    break;
                case 5 when crashed.Contains(member):
                    sim.Log.Add($"{sim.Now} FAULT restart m{member}");
                    sim.Restart(member);
                    crashed.Remove(member);
                    break;
                case 6 when member < 2 && !crashed.Contains(member):
                    sim.Log.Add($"{sim.Now} CLIENT grant at m{member}");
                    requests.Add(sim.Grant(member));
                    break;
                case 7 when !crashed.Contains(member):
                    sim.Log.Add($"{sim.Now} CLIENT revoke at m{member}");
                    requests.Add(sim.Revoke(member));
                    break;
            }

            sim.Run(random.Next(1000, 4000));
            if (sim.Violations.Count > 0)
            {
                return (sim.Violations[0] + Tail(sim), 0);
            }
        }

        sim.Heal();
        sim.LossPercent = 0;
        foreach (var m in crashed)
        {
            sim.Restart(m);
        }

        var took = sim.RunUntil(() => sim.AgreedLeader() is not null, 40_000);
        var grants = requests.Count(r => sim.Replies[r].Any(m => m.Command == BoothCommand.ClientResult && m.Request == BoothCommand.ClientGrant && m.Result == BoothResult.Success));
        if (sim.Violations.Count > 0)
        {
            return (sim.Violations[0], grants);
        }

        if (took < 0)
        {
            var views = string.Join(", ", Enumerable.Range(0, 3).Select(i => $"{i}:{sim.View(i).Role}/{sim.View(i).Leader:x8}/t{sim.View(i).Term}"));
            return ($"members still disagree 40 s after healing: {views}", grants);
        }

        // once agreed, the holder (if any) keeps renewing: it is still agreed 20 s later
        sim.Run(20_000);
        if (sim.AgreedLeader() is null || sim.Violations.Count > 0)
        {
            return ($"agreement did not last: {string.Join("; ", sim.Violations.Take(2))}", grants);
        }

        return (null, grants);
    }
}
