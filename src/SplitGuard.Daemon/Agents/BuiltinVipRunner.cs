using System.Diagnostics;
using System.Globalization;
using System.Net;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Addresses;
using SplitGuard.Daemon.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// <c>builtin:vip</c>: a virtual IPv4 address managed inside the daemon, as keepalived manages its virtual addresses.
/// Start adds it by netlink (RTM_NEWADDR) and sends the first gratuitous ARP at once, the others from a thread; stop ends
/// the announcements and deletes it (RTM_DELADDR) wherever it is held; monitor looks for it in the kernel's address
/// list. No process is started, so there is nothing for a cgroup to hold and nothing that can hang: an action takes
/// well under a millisecond where the same work through <c>ocf:splitguard:vip</c> takes 20 ms or more (three execs).
/// The results carry OCF's meanings (7 not running, 6 not configured) without an exit code. Parameters: <see cref="VipParams"/>.
/// </summary>
public sealed class BuiltinVipRunner : IAgentRunner, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Announcement> _announcing = new(StringComparer.Ordinal);
    private bool _disposed;
    private long _sent;

    /// <summary>Gratuitous ARP announcements sent since this runner was made.</summary>
    public long AnnouncementsSent => Interlocked.Read(ref _sent);

    /// <inheritdoc />
    public Task<AgentResult> RunAsync(ResourceConfig resource, AgentAction action, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(Run(resource, action));

    /// <summary>Runs <paramref name="action"/> at once on the caller's thread.</summary>
    public AgentResult Run(ResourceConfig resource, AgentAction action)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!resource.Agent.IsBuiltinVip)
        {
            throw new ArgumentException($"{resource.Name} has the agent {resource.Agent}; this runner runs builtin:vip", nameof(resource));
        }

        var started = Stopwatch.GetTimestamp();
        var verb = action == AgentAction.MetaData ? "meta-data" : action.ToString().ToLowerInvariant();
        var problems = new List<(string? Key, string Message)>();
        if (action == AgentAction.MetaData)
        {
            return Result(resource, action, AgentStatus.Unimplemented, started, $"meta-data of {resource.Name}: builtin agents have no meta-data (docs/resources.md lists builtin:vip's parameters)");
        }

        if (VipParams.Parse(resource.Params, problems) is not { } vip)
        {
            return Result(resource, action, AgentStatus.NotConfigured, started, $"{verb} of {resource.Name}: {string.Join("; ", problems.Select(p => p.Message))}");
        }

        var (status, text) = action switch
        {
            AgentAction.Start => Start(resource.Name, vip),
            AgentAction.Stop => Stop(resource),
            _ => Monitor(vip),
        };
        return Result(resource, action, status, started, $"{verb} of {resource.Name}: {AgentExitCodes.Describe(status)} in {Seconds(Stopwatch.GetElapsedTime(started))} s; {text}");
    }

    /// <summary>Ends every announcement still going.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var announcement in _announcing.Values)
            {
                announcement.End();
            }

            _announcing.Clear();
        }
    }

    private (AgentStatus, string) Start(string name, VipParams vip)
    {
        var (addresses, problem) = RouteNetlink.Addresses();
        if (problem is not null)
        {
            return (AgentStatus.GenericError, $"cannot list the addresses: {problem}");
        }

        if (addresses.FirstOrDefault(a => a.Address.Equals(vip.Address)) is { Interface: not null } held)
        {
            return (AgentStatus.Ok, $"{held.Address}/{held.Prefix} already on {held.Interface}");
        }

        int index;
        string nic;
        if (vip.Nic is { } given)
        {
            index = RouteNetlink.IndexOf(given);
            nic = given;
            if (index == 0)
            {
                return (AgentStatus.NotConfigured, $"no interface {given} on this node (parameter nic)");
            }
        }
        else if (addresses.Where(a => !a.Address.Equals(vip.Address) && a.Contains(vip.Address)).OrderByDescending(a => a.Prefix).FirstOrDefault() is { Interface: not null } subnet)
        {
            index = subnet.Index;
            nic = subnet.Interface;
        }
        else
        {
            return (AgentStatus.NotConfigured, $"no interface has an address in a subnet of {vip.Address}: set parameter nic");
        }

        if (RouteNetlink.Add(vip.Address, vip.Prefix, index) is { } failed)
        {
            return (AgentStatus.GenericError, $"adding {vip} to {nic} failed: {failed}");
        }

        var announced = vip.ArpCount > 0 ? Announce(name, vip, nic, index) : "no gratuitous ARP (arp_count 0)";
        return (AgentStatus.Ok, $"{vip} added to {nic}; {announced}");
    }

    private (AgentStatus, string) Stop(ResourceConfig resource)
    {
        EndAnnouncement(resource.Name);
        var (removed, problem) = AddressRemoval.Remove(resource);
        if (problem is not null)
        {
            return (AgentStatus.GenericError, problem);
        }

        return (AgentStatus.Ok, removed.Count == 0 ? "the address was not held" : "removed " + string.Join(", ", removed));
    }

    private static (AgentStatus, string) Monitor(VipParams vip)
    {
        var (addresses, problem) = RouteNetlink.Addresses();
        if (problem is not null)
        {
            return (AgentStatus.GenericError, $"cannot list the addresses: {problem}");
        }

        return addresses.FirstOrDefault(a => a.Address.Equals(vip.Address)) is { Interface: not null } held
            ? (AgentStatus.Ok, $"{held.Address}/{held.Prefix} on {held.Interface}")
            : (AgentStatus.NotRunning, $"{vip.Address} is on no interface");
    }

    /// <summary>
    /// Sends the first announcement now and starts a thread for the others (a thread of its own, not the thread pool: a
    /// busy pool must not delay them, and it sends from the caller's network namespace); returns what was done.
    /// </summary>
    private string Announce(string name, VipParams vip, string nic, int index)
    {
        if (GratuitousArp.Announce(nic, index, vip.Address) is { } failed)
        {
            // The address is up; neighbours learn it when they next ask. Not a failed start.
            return $"gratuitous ARP failed: {failed}";
        }

        Interlocked.Increment(ref _sent);
        if (vip.ArpCount > 1)
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    EndAnnouncementLocked(name);
                    var announcement = new Announcement(vip.Address, nic, index, vip.ArpInterval, vip.ArpCount - 1);
                    _announcing[name] = announcement;
                    new Thread(() => Repeat(name, announcement)) { IsBackground = true, Name = "vip-arp " + name }.Start();
                }
            }
        }

        return $"gratuitous ARP {vip.ArpCount.ToString(CultureInfo.InvariantCulture)} times, {Seconds(vip.ArpInterval)} s apart";
    }

    /// <summary>The later announcements, while the stop has not ended them and the address is still on the interface.</summary>
    private void Repeat(string name, Announcement announcement)
    {
        try
        {
            for (int left = announcement.Remaining; left > 0; left--)
            {
                if (announcement.Ended.Token.WaitHandle.WaitOne(announcement.Interval))
                {
                    return;
                }

                // Whoever removed the address (the stop, the hard kill, an administrator), it is not announced again.
                var (addresses, _) = RouteNetlink.Addresses();
                if (announcement.Ended.IsCancellationRequested
                    || !addresses.Any(a => a.Index == announcement.Index && a.Address.Equals(announcement.Address)))
                {
                    return;
                }

                if (GratuitousArp.Announce(announcement.Nic, announcement.Index, announcement.Address) is null)
                {
                    Interlocked.Increment(ref _sent);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_announcing.TryGetValue(name, out var current) && ReferenceEquals(current, announcement))
                {
                    _announcing.Remove(name);
                }
            }

            announcement.Ended.Dispose();
        }
    }

    private void EndAnnouncement(string name)
    {
        lock (_lock)
        {
            EndAnnouncementLocked(name);
        }
    }

    private void EndAnnouncementLocked(string name)
    {
        if (_announcing.Remove(name, out var announcement))
        {
            announcement.End();
        }
    }

    private static AgentResult Result(ResourceConfig resource, AgentAction action, AgentStatus status, long started, string message) =>
        new(resource.Name, action, status, null, Stopwatch.GetElapsedTime(started), message);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private sealed class Announcement(IPAddress address, string nic, int index, TimeSpan interval, int remaining)
    {
        public IPAddress Address { get; } = address;

        public string Nic { get; } = nic;

        public int Index { get; } = index;

        public TimeSpan Interval { get; } = interval;

        public int Remaining { get; } = remaining;

        /// <summary>Cancelled by the stop; disposed by the announcing thread when it ends.</summary>
        public CancellationTokenSource Ended { get; } = new();

        public void End()
        {
            try
            {
                Ended.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The thread ended by itself meanwhile.
            }
        }
    }
}
