using System.Collections.Concurrent;
using SplitGuard.Testing;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Core.Tests.Placement;

/// <summary>
/// Seeded fault schedules over the pure Core (FAULTS.md F24, in-process layer): partitions and one-way cuts (random
/// reachability matrices), random loss, random delay up to one interval (which reorders), duplication, freezes of
/// either node (its guard stops its resources), forward jumps of a node's monotonic clock, and crashes of a node with
/// its resources followed by a restart (new incarnation, stored term), and maintenance: the daemon leaves its
/// resources running (once the peers acknowledged the flag; else it stops them) and comes back later, probing first. After every 1 ms step: never two active
/// owners. After healing: one owner within the stated bound. A failing seed is printed; set SPLITGUARD_SEED to
/// replay one seed exactly.
/// </summary>
public sealed class RandomScheduleTests(ITestOutputHelper output)
{
    private const int Seeds = 10_000;
    private static readonly TimeSpan Chaos = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan Converge = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public void Ten_thousand_seeded_schedules_never_have_two_owners_and_converge_after_healing()
    {
        var only = Environment.GetEnvironmentVariable("SPLITGUARD_SEED");
        var seeds = only is null ? Enumerable.Range(1, Seeds) : [int.Parse(only, System.Globalization.CultureInfo.InvariantCulture)];
        var failures = new ConcurrentBag<string>();
        long faults = 0;
        long takeovers = 0;
        Parallel.ForEach(seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var (failure, injected, terms) = RunSchedule(seed);
            Interlocked.Add(ref faults, injected);
            Interlocked.Add(ref takeovers, terms);
            if (failure is not null)
            {
                failures.Add($"seed {seed}: {failure}");
            }
        });

        if (only is not null)
        {
            var trace = new List<string>();
            RunSchedule(seeds.Single(), trace);
            foreach (var line in trace)
            {
                output.WriteLine(line);
            }
        }

        output.WriteLine($"{seeds.Count()} schedules, {faults} faults injected, {takeovers} lease terms started; failures: {failures.Count}");
        foreach (var failure in failures.Take(10))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} schedule(s) failed; first: {failures.FirstOrDefault()} (replay with SPLITGUARD_SEED)");
        Assert.True(faults > Seeds, "the schedules injected too few faults to mean anything");
    }

    /// <summary>One schedule; returns the failure (or null), the number of faults injected and of lease terms begun.</summary>
    internal static (string? Failure, int Faults, long Terms) RunSchedule(int seed, List<string>? trace = null)
    {
        var random = new Random(seed);
        var sim = new OwnershipSim(seed);
        sim.O1.Trace = trace;
        sim.O2.Trace = trace;
        sim.Run(TimeSpan.FromMilliseconds(600));
        int faults = 0;
        var end = sim.Net.Clock.Now + Chaos;
        while (sim.Net.Clock.Now < end)
        {
            faults++;
            var node = random.Next(2) == 0 ? sim.N1 : sim.N2;
            switch (random.Next(10))
            {
                case 0 or 1:
                    int matrix = random.Next(64);
                    sim.SetReachability(matrix);
                    trace?.Add($"matrix {matrix}");
                    break;
                case 2:
                    sim.Net.Loss = random.NextDouble() * 0.3;
                    break;
                case 3 when !sim.IsCrashed(node) && !sim.IsAway(node):
                    sim.Pause(node, !node.Paused);
                    break;
                case 4:
                    sim.Net.MaxDelay = random.Next(2) == 0 ? TimeSpan.Zero : sim.Options.Interval * random.NextDouble();
                    sim.Net.Duplication = random.Next(2) == 0 ? 0 : random.NextDouble() * 0.3;
                    break;
                case 5 when !node.Paused:
                    var jump = TimeSpan.FromMilliseconds(random.Next(5, 500));
                    OwnershipSim.Jump(node, jump);
                    trace?.Add($"{node.Name} clock jumps {jump.TotalMilliseconds:0} ms");
                    break;
                case 6 when sim.IsCrashed(node):
                    sim.Restart(node);
                    break;
                case 6 when !node.Paused:
                    sim.Crash(node);
                    break;
                case 7 when sim.IsAway(node):
                    // Back from maintenance: the daemon starts again and probes its resources (still running if it left
                    // them so) before it decides.
                    var probe = sim.Options.Interval * (random.NextDouble() * 5);
                    sim.RestartDaemon(node, probe);
                    trace?.Add($"{node.Name} daemon restarted, probing {probe.TotalMilliseconds:0} ms");
                    break;
                case 7 when !node.Paused && !sim.IsCrashed(node) && !sim.IsDeparting(node):
                    sim.LeaveInMaintenance(node);
                    trace?.Add($"{node.Name} leaves in maintenance");
                    break;
                default:
                    sim.SetReachability(0);
                    sim.Net.Loss = 0;
                    sim.Net.MaxDelay = TimeSpan.Zero;
                    sim.Net.Duplication = 0;
                    break;
            }

            trace?.Add($"{sim.Net.Clock.Now.TotalMilliseconds:0} FAULT {faults}: n1 paused={sim.N1.Paused} crashed={sim.IsCrashed(sim.N1)} n2 paused={sim.N2.Paused} crashed={sim.IsCrashed(sim.N2)} loss={sim.Net.Loss:0.00} delay<={sim.Net.MaxDelay.TotalMilliseconds:0} ms dup={sim.Net.Duplication:0.00}");
            sim.Run(TimeSpan.FromMilliseconds(random.Next(20, 400)));
            if (sim.PossibleOverlapSteps > 0)
            {
                return ($"both nodes active for {sim.PossibleOverlapSteps} ms (after fault {faults})", faults, sim.O1.Lease.Term);
            }
        }

        sim.SetReachability(0);
        sim.Net.Loss = 0;
        sim.Net.MaxDelay = TimeSpan.Zero;
        sim.Net.Duplication = 0;
        foreach (var node in new[] { sim.N1, sim.N2 })
        {
            if (sim.IsCrashed(node))
            {
                sim.Restart(node);
            }
            else if (sim.IsAway(node) || sim.IsDeparting(node))
            {
                // The operator starts the daemon again (one on its way out is replaced).
                sim.RestartDaemon(node, sim.Options.Interval * random.NextDouble() * 5);
            }
            else
            {
                sim.Pause(node, false);
            }
        }

        sim.Run(Converge);
        if (sim.PossibleOverlapSteps > 0)
        {
            return ($"both nodes active for {sim.PossibleOverlapSteps} ms after healing", faults, sim.O1.Lease.Term);
        }

        if (sim.Owner is null)
        {
            return ($"no owner {Converge.TotalMilliseconds} ms after healing: n1 '{sim.O1.Last.Reason}', n2 '{sim.O2.Last.Reason}'", faults, sim.O1.Lease.Term);
        }

        return (null, faults, Math.Max(sim.O1.Lease.Term, sim.O2.Lease.Term));
    }
}
