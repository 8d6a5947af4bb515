using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// FAULTS.md F1, the owner node crashes: every process in the owner's namespace is killed with SIGKILL (daemon, agents,
/// the echo service) and its addresses are flushed, as ./demo.sh does. The survivor must serve the VIP, starting no
/// earlier than the takeover time after the crash (lease + acquire-after, docs/ownership.md), and the ownership log must
/// show no definite overlap. Repeated with the crashed node restarted in between (it rejoins as follower without
/// disturbing the owner), so the crashes alternate between n1 and n2. Reported: the failover seen by the client
/// (its gap between the last answer of the old owner and the first of the new one) per crash, median and max.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class OwnerCrashTests : IClassFixture<OwnershipLabFixture>
{
    private const int Repetitions = 4;

    /// <summary>The client asks every 10 ms; a longer silence while a follower joins is an outage.</summary>
    private const double RejoinGapLimitMs = 100;
    private readonly OwnershipLab _lab;
    private readonly ITestOutputHelper _output;

    public OwnerCrashTests(OwnershipLabFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public async Task F1a_after_each_owner_crash_the_survivor_serves_the_vip_no_earlier_than_the_takeover_time_and_never_both()
    {
        long firstFault = 0;
        var gaps = new List<double>();
        var fromCrash = new List<double>();
        var failures = new List<string>();
        for (var rep = 1; rep <= Repetitions; rep++)
        {
            var (owner, before) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
            var survivor = OwnershipLab.Other(owner);
            var term = before[owner].Ownership!.Term;
            var takeoverMs = before[survivor].Ownership!.TakeoverAfterMs;
            await Task.Delay(300);

            var fault = await _lab.CrashNodeAsync(owner);
            if (firstFault == 0)
            {
                firstFault = fault;
            }

            try
            {
                await Polling.WaitUntilAsync(() => _lab.Probe().FirstFrom(survivor, fault) is not null, TimeSpan.FromSeconds(10),
                    $"the client gets an answer from {survivor} after {owner} crashed");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message}{Environment.NewLine}{_lab.Describe(fault)}", e);
            }

            await Task.Delay(300);
            var now = await _lab.StatusAsync(survivor);
            var own = now.Ownership!;
            Assert.True(own.Run && own.Resources == "started" && own.Holder == OwnershipLab.IdOf(survivor) && own.Term > term,
                $"rep {rep}: {survivor} should own a new term after {owner} crashed (term was {term}): {own.Describe()}");

            var probe = _lab.Probe();
            var first = probe.FirstFrom(survivor, fault)!.Value;
            var lastOld = probe.LastFrom(owner, first.Ns);
            var log = _lab.OwnershipLog();
            var startInvoke = log.First(survivor, "start_invoke", fault);
            var startOk = log.Between(fault).Where(e => e.Node == survivor && e.What == "start_ok").Select(e => (long?)e.Ns).LastOrDefault();
            var gap = UnixNs.ToMs(first.Ns - (lastOld?.Ns ?? fault));
            gaps.Add(gap);
            fromCrash.Add(UnixNs.ToMs(first.Ns - fault));
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"crash {rep}: {owner} crashed (term {term}); {survivor}: start_invoke {Ms(startInvoke?.Ns, fault)}, all started {Ms(startOk, fault)} after the crash (takeover_after {takeoverMs:0} ms); " +
                $"client: last answer from {owner} {Ms(lastOld?.Ns, fault)}, first from {survivor} {Ms(first.Ns, fault)}, gap {gap:0} ms; now term {own.Term}"));

            // docs/ownership.md: the survivor takes over only after the takeover time of silence; the crashed node's last
            // frame left at most about one interval before the crash.
            var earliest = takeoverMs - (2 * _lab.Interval.TotalMilliseconds);
            if (startInvoke is null)
            {
                failures.Add($"crash {rep}: no start_invoke of {survivor} in the ownership log although the client got answers from it");
            }
            else if (UnixNs.ToMs(startInvoke.Ns - fault) < earliest)
            {
                failures.Add($"crash {rep}: {survivor} invoked start {UnixNs.ToMs(startInvoke.Ns - fault):0} ms after the crash, earlier than the takeover time allows ({earliest:0} ms)");
            }

            // Restart the crashed node: it must rejoin as follower, the survivor keeping its term and the client.
            var rejoinFrom = UnixNs.Now();
            await _lab.RestoreNodeAsync(owner);
            var (again, after) = await _lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(300);
            var rejoined = _lab.Probe();
            if (again != survivor || after[survivor].Ownership!.Term != own.Term)
            {
                failures.Add($"crash {rep}: after {owner} restarted the owner is {again} with {after[again].Ownership!.Describe()}; expected {survivor} keeping term {own.Term}");
            }

            if (rejoined.Between(rejoinFrom).Any(a => a.Node == owner))
            {
                failures.Add($"crash {rep}: the client got answers from the restarted {owner}: {rejoined.Runs(rejoinFrom)}");
            }

            // A follower joining must not disturb the owner: no stop or start of its resources, no outage for the client.
            var disturbed = _lab.OwnershipLog().Between(rejoinFrom).Where(e => e.Node == survivor).ToList();
            var rejoinGap = rejoined.MaxGapMs(rejoinFrom);
            if (disturbed.Count > 0 || rejoinGap > RejoinGapLimitMs)
            {
                var what = disturbed.Count > 0 ? $"the owner {survivor} stopped and restarted its resources" : "the client saw an outage";
                failures.Add($"crash {rep}: when {owner} rejoined, {what} (longest client gap {rejoinGap:0} ms, limit {RejoinGapLimitMs:0}):" +
                    $"{Environment.NewLine}{string.Join(Environment.NewLine, disturbed.Select(e => "  " + e))}" +
                    $"{Environment.NewLine}client trace (probe.py: its own stalls, late answers):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", ProbeLog.Trace(_lab.ProbePath, rejoinFrom))}" +
                    $"{Environment.NewLine}{survivor} decisions:{Environment.NewLine}{_lab.DaemonDecisions(survivor, rejoinFrom)}");
            }

            _output.WriteLine($"  {owner} restarted and rejoined as follower; owner {again}, {after[again].Ownership!.Describe()}; " +
                $"owner's resource operations meanwhile {disturbed.Count}, longest client gap {rejoinGap:0} ms");
        }

        var check = await _lab.CheckAsync(firstFault);
        var vip = _lab.VipHistory();
        var overlaps = vip.Overlaps(UnixNs.Now());
        _output.WriteLine($"failover seen by the client over {Repetitions} crashes (gap between the last answer of the old owner and the first of the new): {Figures.Summarize(gaps)}");
        _output.WriteLine($"first answer of the new owner after the crash: {Figures.Summarize(fromCrash)}");
        _output.WriteLine("check.py:" + Environment.NewLine + check.Output);
        _output.WriteLine($"VIP on nodes (ip monitor), {overlaps.Count} overlaps:" + Environment.NewLine + vip.Describe());
        _output.WriteLine("ownership log:" + Environment.NewLine + _lab.OwnershipLog().Describe(firstFault));

        Assert.True(check.ExitCode == 0, "check.py found a definite overlap in the ownership log:" + Environment.NewLine + check.Output);
        Assert.True(overlaps.Count == 0, "the VIP was configured on both nodes at once: " + string.Join("; ", overlaps.Select(o => $"{o.A} / {o.B} ({o.Ms:0.0} ms)")));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string Ms(long? ns, long fault) =>
        ns is { } n ? string.Create(CultureInfo.InvariantCulture, $"{UnixNs.ToMs(n - fault):+0;-0} ms") : "never";
}
