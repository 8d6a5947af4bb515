using System.Collections.Concurrent;
using SplitGuard.Testing;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Core.Tests.Placement;

/// <summary>The elected master of three or more nodes (majority lease) over the simulated network: at most one owner, always.</summary>
public sealed class MajorityLeaseTests(ITestOutputHelper output)
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void At_start_one_node_is_elected_and_every_node_agrees_on_term_and_holder(int nodes)
    {
        var sim = new MajoritySim(nodes);
        sim.Run(TimeSpan.FromSeconds(1));

        Assert.Same(sim.Owners[0], sim.Owner);
        Assert.Equal(1, sim.Owners.Count(o => o.Active));
        Assert.All(sim.Owners, o => Assert.Equal((1u, (ushort)1), (o.Lease.Term, o.Lease.Holder)));
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    [Fact]
    public void When_the_master_crashes_a_survivor_is_elected_and_starts_within_the_takeover_bound()
    {
        var sim = new MajoritySim(3);
        sim.Run(TimeSpan.FromSeconds(1));
        var crash = sim.Net.Clock.Now;
        sim.Crash(0);
        TimeSpan? tookOver = null;
        for (int i = 0; i < 3000 && tookOver is null; i++)
        {
            sim.Run(Ms(1));
            tookOver = sim.Owner is not null ? sim.Net.Clock.Now - crash : null;
        }

        var bound = sim.Owners[1].Lease.TakeoverAfter;
        output.WriteLine($"new master started {tookOver?.TotalMilliseconds} ms after the crash; bound {bound.TotalMilliseconds} ms");
        Assert.NotNull(tookOver);
        Assert.InRange(tookOver.Value, sim.Options.Lease, bound + Ms(5));
        Assert.Same(sim.Owners[1], sim.Owner);
        Assert.Equal(2u, sim.Owners[2].Lease.Term);
        Assert.Equal((ushort)2, sim.Owners[2].Lease.Holder);
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    /// <summary>
    /// The master leaves in maintenance and its daemon comes back: while it probes (PROGRESS, no holder named) the others
    /// keep supporting it, and it resumes the same term; nobody else starts anything.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(300)]
    public void A_master_back_from_maintenance_keeps_its_lease_while_it_probes_and_resumes_it(int probeMs)
    {
        var sim = new MajoritySim(3);
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.Same(sim.Owners[0], sim.Owner);

        sim.LeaveInMaintenance(0);
        for (int i = 0; i < 1000 && !sim.Owners[0].Away; i++)
        {
            sim.Run(Ms(1));
        }

        Assert.True(sim.Owners[0].Away && sim.Owners[0].Started, "left in maintenance, the resources running");
        sim.Run(Ms(500));
        Assert.All(sim.Owners.Skip(1), o => Assert.False(o.Active));
        sim.RestartDaemon(0, Ms(probeMs));
        sim.Run(TimeSpan.FromSeconds(2));

        Assert.Same(sim.Owners[0], sim.Owner);
        Assert.All(sim.Owners, o => Assert.Equal((1u, (ushort)1), (o.Lease.Term, o.Lease.Holder)));
        Assert.Equal(1, sim.Owners[0].Starts);
        Assert.All(sim.Owners.Skip(1), o => Assert.Equal(0, o.Starts));
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    [Fact]
    public void A_master_cut_off_into_the_minority_stops_before_the_majority_starts_and_rejoins_as_follower()
    {
        var sim = new MajoritySim(3);
        sim.Run(TimeSpan.FromSeconds(1));
        sim.Partition([1]);
        sim.Run(TimeSpan.FromSeconds(2));

        Assert.False(sim.Owners[0].Active);
        Assert.NotNull(sim.Owner);
        var master = sim.Owner!;
        Assert.Equal(0, sim.PossibleOverlapSteps);

        sim.Heal();
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.Same(master, sim.Owner);
        Assert.All(sim.Owners, o => Assert.Equal(master.Lease.Self, o.Lease.Holder));
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    [Fact]
    public void A_node_that_only_hears_a_minority_never_claims_and_a_one_way_cut_causes_no_double_owner()
    {
        var sim = new MajoritySim(3);
        sim.Run(TimeSpan.FromSeconds(1));
        var term = sim.Owners[0].Lease.Term;
        // n3 stops hearing n1 (n1 -> n3 cut); n2 still hears both: n2 keeps supporting n1, so n3 finds no free majority.
        sim.Block(1, 3);
        sim.Run(TimeSpan.FromSeconds(2));

        Assert.Same(sim.Owners[0], sim.Owner);
        Assert.Equal(term, sim.Owners[0].Lease.Term);
        Assert.Equal(0, sim.PossibleOverlapSteps);
    }

    [Theory]
    [InlineData(3, 2000)]
    [InlineData(5, 400)]
    public void Seeded_fault_schedules_never_have_two_owners_and_elect_one_master_after_healing(int nodes, int seeds)
    {
        var only = Environment.GetEnvironmentVariable("SPLITGUARD_MAJORITY_SEED");
        var list = only is null ? Enumerable.Range(1, seeds) : [int.Parse(only, System.Globalization.CultureInfo.InvariantCulture)];
        var failures = new ConcurrentBag<string>();
        long faults = 0;
        Parallel.ForEach(list, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var (failure, injected) = RunSchedule(nodes, seed);
            Interlocked.Add(ref faults, injected);
            if (failure is not null)
            {
                failures.Add($"{nodes} nodes, seed {seed}: {failure}");
            }
        });

        if (only is not null)
        {
            var trace = new List<string>();
            RunSchedule(nodes, list.Single(), trace);
            trace.ForEach(output.WriteLine);
        }

        output.WriteLine($"{list.Count()} schedules of {nodes} nodes, {faults} faults; failures: {failures.Count}");
        foreach (var failure in failures.Take(10))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} schedule(s) failed; first: {failures.FirstOrDefault()} (replay with SPLITGUARD_MAJORITY_SEED)");
        Assert.True(faults > list.Count(), "the schedules injected too few faults to mean anything");
    }

    private static readonly TimeSpan Chaos = Ms(1500);

    /// <summary>One schedule: partitions, one-way cuts, loss, pauses, crashes and restarts; then heal and converge.</summary>
    internal static (string? Failure, int Faults) RunSchedule(int nodes, int seed, List<string>? trace = null)
    {
        var random = new Random(seed);
        var sim = new MajoritySim(nodes, seed);
        sim.Owners.ForEach(o => o.Trace = trace);
        sim.Run(Ms(600));
        int faults = 0;
        var crashed = new HashSet<int>();
        var end = sim.Net.Clock.Now + Chaos;
        while (sim.Net.Clock.Now < end)
        {
            faults++;
            string what;
            switch (random.Next(7))
            {
                case 0:
                    var side = Enumerable.Range(1, nodes).Where(_ => random.Next(2) == 0).ToList();
                    sim.Heal();
                    sim.Partition(side);
                    what = $"partition [{string.Join(",", side)}]";
                    break;
                case 1:
                    int from = random.Next(1, nodes + 1);
                    int to = random.Next(1, nodes + 1);
                    sim.Block(from, to);
                    what = $"one-way cut n{from} -> n{to}";
                    break;
                case 2:
                    sim.Net.Loss = random.NextDouble() * 0.3;
                    what = $"loss {sim.Net.Loss:0.00}";
                    break;
                case 3:
                    int paused = random.Next(nodes);
                    if (!crashed.Contains(paused))
                    {
                        sim.Pause(paused, !sim.Nodes[paused].Paused);
                    }

                    what = $"pause toggle n{paused + 1}";
                    break;
                case 4:
                    int victim = random.Next(nodes);
                    if (crashed.Add(victim))
                    {
                        sim.Crash(victim);
                        what = $"crash n{victim + 1}";
                    }
                    else
                    {
                        crashed.Remove(victim);
                        sim.Restart(victim);
                        what = $"restart n{victim + 1}";
                    }

                    break;
                default:
                    sim.Heal();
                    sim.Net.Loss = 0;
                    what = "heal";
                    break;
            }

            trace?.Add($"{sim.Net.Clock.Now.TotalMilliseconds:0} FAULT {faults}: {what}");
            sim.Run(Ms(random.Next(20, 400)));
            if (sim.PossibleOverlapSteps > 0)
            {
                return ($"two nodes active for {sim.PossibleOverlapSteps} ms (after fault {faults}: {what})", faults);
            }
        }

        sim.Heal();
        sim.Net.Loss = 0;
        foreach (var index in crashed)
        {
            sim.Restart(index);
        }

        for (int i = 0; i < nodes; i++)
        {
            if (sim.Nodes[i].Paused)
            {
                sim.Pause(i, false);
            }
        }

        var converge = Ms(2500);
        sim.Run(converge);
        if (sim.PossibleOverlapSteps > 0)
        {
            return ($"two nodes active for {sim.PossibleOverlapSteps} ms after healing", faults);
        }

        if (sim.Owner is not { } owner)
        {
            return ($"no master {converge.TotalMilliseconds} ms after healing: {string.Join("; ", sim.Owners.Select((o, i) => $"n{i + 1} '{o.Last.Reason}'"))}", faults);
        }

        if (sim.Owners.Any(o => o.Lease.Holder != owner.Lease.Self || o.Lease.Term != owner.Lease.Term))
        {
            return ($"nodes disagree after healing: {string.Join("; ", sim.Owners.Select((o, i) => $"n{i + 1} ({o.Lease.Term},{o.Lease.Holder})"))}", faults);
        }

        return (null, faults);
    }
}
