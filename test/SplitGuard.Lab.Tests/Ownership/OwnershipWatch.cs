using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SplitGuard.Lab.Tests.Infrastructure;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Watches the lease of both nodes while a fault lasts (FAULTS.md F4, F6, F7, F13): polls the control sockets every
/// <c>period</c> for <c>duration</c> and records every status that differs from the steady state the watch began
/// with (owner <c>owner</c> holding term <c>term</c> with its resources started, the other agreeing with everything
/// stopped), the owner changes (term increases and changes of the node that says run), and the statuses themselves so
/// a test can compute when a condition first held.
/// </summary>
public sealed class OwnershipWatch
{
    private readonly List<(long Ns, IReadOnlyDictionary<string, StatusSnapshot> Status)> _samples = [];
    private readonly List<string> _deviations = [];
    private readonly List<string> _errors = [];
    private string _lastRunners = string.Empty;

    private OwnershipWatch(string owner, long term)
    {
        Owner = owner;
        Term = term;
        MaxTerm = term;
    }

    /// <summary>The owner when the watch began.</summary>
    public string Owner { get; }

    /// <summary>The term when the watch began.</summary>
    public long Term { get; }

    /// <summary>The highest term any node reported.</summary>
    public long MaxTerm { get; private set; }

    /// <summary>Owner changes: how often the set of nodes that say "run" changed to a different non-empty set, plus
    /// term increases beyond that (a claim that never ran is a change of lease too).</summary>
    public int OwnerChanges { get; private set; }

    /// <summary>Term increases seen (max term - initial term).</summary>
    public long TermChanges => MaxTerm - Term;

    /// <summary>Polls in which both nodes said run at once.</summary>
    public int BothRun { get; private set; }

    /// <summary>Every status poll (unix ns when received).</summary>
    public IReadOnlyList<(long Ns, IReadOnlyDictionary<string, StatusSnapshot> Status)> Samples => _samples;

    /// <summary>One line per poll in which a node's lease or resources differed from the steady state.</summary>
    public IReadOnlyList<string> Deviations => _deviations;

    /// <summary>Status polls that failed (control socket errors), for the report.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Watches <paramref name="lab"/> for <paramref name="duration"/>, one poll per <paramref name="period"/>.</summary>
    public static async Task<OwnershipWatch> RunAsync(OwnershipLab lab, string owner, long term, TimeSpan duration, TimeSpan period)
    {
        var watch = new OwnershipWatch(owner, term);
        await watch.ContinueAsync(lab, duration, period).ConfigureAwait(false);
        return watch;
    }

    /// <summary>Starts an empty watch, to be fed with <see cref="ContinueAsync"/>.</summary>
    public static OwnershipWatch Begin(string owner, long term) => new(owner, term);

    /// <summary>Polls for <paramref name="duration"/> more.</summary>
    public async Task ContinueAsync(OwnershipLab lab, TimeSpan duration, TimeSpan period)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await PollAsync(lab).ConfigureAwait(false);
            var left = duration - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left < period ? left : period).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One poll of both nodes.</summary>
    public async Task PollAsync(OwnershipLab lab)
    {
        IReadOnlyDictionary<string, StatusSnapshot> status;
        try
        {
            status = await lab.StatusAllAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException or JsonException or TimeoutException)
        {
            _errors.Add($"{UnixNs.Format(UnixNs.Now())}: {e.GetType().Name}: {e.Message}");
            return;
        }

        Add(UnixNs.Now(), status);
    }

    private void Add(long ns, IReadOnlyDictionary<string, StatusSnapshot> status)
    {
        _samples.Add((ns, status));
        var runners = string.Join(",", status.Values.Where(s => s.Ownership?.Run == true).Select(s => s.Node).Order(StringComparer.Ordinal));
        if (_samples.Count == 1)
        {
            _lastRunners = Owner;
        }

        if (runners.Length > 0 && runners != _lastRunners)
        {
            OwnerChanges++;
            _lastRunners = runners;
        }

        if (runners.Contains(',', StringComparison.Ordinal))
        {
            BothRun++;
        }

        foreach (var s in status.Values)
        {
            var own = s.Ownership;
            if (own is null)
            {
                _deviations.Add($"{UnixNs.Format(ns)} {s.Node}: no ownership in status");
                continue;
            }

            MaxTerm = Math.Max(MaxTerm, own.Term);
            var isOwner = s.Node == Owner;
            if (own.Term != Term || own.Holder != OwnershipLab.IdOf(Owner) || own.Run != isOwner || own.Resources != (isOwner ? "started" : "stopped"))
            {
                _deviations.Add($"{UnixNs.Format(ns)} {s.Node}: {own.Describe()}");
            }
        }
    }

    /// <summary>The first poll at or after <paramref name="fromNs"/> in which <paramref name="condition"/> held, or null.</summary>
    public long? FirstWhen(long fromNs, Func<IReadOnlyDictionary<string, StatusSnapshot>, bool> condition) =>
        _samples.Where(s => s.Ns >= fromNs && condition(s.Status)).Select(s => (long?)s.Ns).FirstOrDefault();

    /// <summary>True if <paramref name="condition"/> held in every poll at or after <paramref name="fromNs"/> (and before <paramref name="toNs"/>).</summary>
    public bool Always(long fromNs, long toNs, Func<IReadOnlyDictionary<string, StatusSnapshot>, bool> condition) =>
        _samples.Where(s => s.Ns >= fromNs && s.Ns < toNs).All(s => condition(s.Status));

    /// <summary>"N polls, owner changes C, term T -> M, both run in B polls, D deviating statuses".</summary>
    public string Summary() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{_samples.Count} status polls ({_errors.Count} failed), owner changes {OwnerChanges}, term {Term} -> {MaxTerm}, both nodes said run in {BothRun} polls, {_deviations.Count} deviating node statuses");

    /// <summary>The distinct path and isolation states each node went through (in order), e.g. "n1: udp in_service -> out_of_service".</summary>
    public string PathHistory()
    {
        var lines = new List<string>();
        foreach (var node in OwnershipLab.Nodes)
        {
            var seq = new List<string>();
            foreach (var (ns, status) in _samples)
            {
                if (!status.TryGetValue(node, out var s))
                {
                    continue;
                }

                var state = string.Join(" ", s.Paths.Select(p => $"{p.Type}={p.State}"))
                    + " " + string.Join(" ", s.Links.Select(l => $"link{l.Id}={l.State}{(l.OneWay ? "(one-way)" : string.Empty)}{(l.Hop is { } h ? $"/hop={h.State}" : string.Empty)}"))
                    + $" isolation={s.Isolation}";
                if (seq.Count == 0 || !seq[^1].EndsWith(state, StringComparison.Ordinal))
                {
                    seq.Add($"{UnixNs.Format(ns)} {state}");
                }
            }

            lines.Add($"{node}:{Environment.NewLine}    " + string.Join(Environment.NewLine + "    ", seq));
        }

        return string.Join(Environment.NewLine, lines);
    }
}
