using System.Diagnostics;
using System.Globalization;
using System.Net;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Addresses;
using SplitGuard.Daemon.Resources;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// <c>builtin:vip</c>: a virtual IPv4 address managed inside the daemon, as keepalived manages its virtual addresses.
/// Start adds it by netlink (RTM_NEWADDR) and sends the first gratuitous ARP at once, the others from the runner's
/// announcer thread; stop ends the announcements and deletes it (RTM_DELADDR) wherever it is held; monitor looks for it
/// in the kernel's address list. No process is started, so there is nothing for a cgroup to hold and nothing that can
/// hang: a start takes 1-3 ms after idle (the netlink calls 0.02-0.5 ms) where the same work through <c>ocf:splitguard:vip</c> takes 20 ms
/// or more (three execs). <see cref="Prepare"/> runs every code path once at daemon start, so the first start after a
/// failover does not pay for the JIT (13 ms measured cold). The results carry OCF's meanings (7 not running,
/// 6 not configured) without an exit code. Parameters: <see cref="VipParams"/>.
/// </summary>
public sealed class BuiltinVipRunner : IAgentRunner, IDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Announcement> _announcing = new(StringComparer.Ordinal);
    private Thread? _announcer;
    private bool _disposed;
    private long _sent;

    /// <summary>Gratuitous ARP announcements sent since this runner was made.</summary>
    public long AnnouncementsSent => Interlocked.Read(ref _sent);

    /// <summary>
    /// Runs each code path of the actions once without changing anything (an address list, an add and a delete the
    /// kernel refuses for interface index 0, the interface choice, loopback's flags) and starts the announcer thread,
    /// in the caller's network namespace. Call it when the daemon starts; nothing happens without a builtin:vip resource.
    /// </summary>
    public void Prepare(IEnumerable<ResourceConfig> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var vips = resources.Where(r => r.Agent.IsBuiltinVip).ToList();
        if (vips.Count == 0)
        {
            return;
        }

        var problems = new List<(string? Key, string Message)>();
        foreach (var resource in vips)
        {
            _ = VipParams.Parse(resource.Params, problems);
        }

        // The three actions on an address no interface may hold (0.0.0.0) and an interface that does not exist: start
        // and stop find nothing to do, and every line of theirs up to the kernel call runs once.
        var warm = vips[0] with
        {
            Name = "warm-up",
            Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = "0.0.0.0", ["nic"] = "sgw" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..10] },
        };
        foreach (var action in new[] { AgentAction.Monitor, AgentAction.Start, AgentAction.Stop })
        {
            _ = Run(warm, action);
        }

        var (addresses, _) = RouteNetlink.Addresses();
        _ = Choose(addresses, IPAddress.Loopback);
        _ = RouteNetlink.Add(IPAddress.Loopback, 32, 0);
        _ = RouteNetlink.Delete(IPAddress.Loopback, 32, 0);
        _ = GratuitousArp.Announce("lo", RouteNetlink.IndexOf("lo"), IPAddress.Loopback);
        lock (_lock)
        {
            EnsureAnnouncerLocked();
        }
    }

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
        if (action == AgentAction.MetaData)
        {
            return Result(resource, action, AgentStatus.Unimplemented, started, $"meta-data of {resource.Name}: builtin agents have no meta-data (docs/resources.md lists builtin:vip's parameters)");
        }

        var problems = new List<(string? Key, string Message)>();
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

    /// <summary>Ends every announcement still going and the announcer thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _announcing.Clear();
            System.Threading.Monitor.PulseAll(_lock);
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
        else if (Choose(addresses, vip.Address) is { } subnet)
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

    /// <summary>The interface with an address of a subnet containing <paramref name="ip"/> (not <paramref name="ip"/> itself), longest prefix first.</summary>
    private static InterfaceAddress? Choose(IReadOnlyList<InterfaceAddress> addresses, IPAddress ip)
    {
        InterfaceAddress? best = null;
        foreach (var address in addresses)
        {
            if (!address.Address.Equals(ip) && address.Contains(ip) && (best is null || address.Prefix > best.Value.Prefix))
            {
                best = address;
            }
        }

        return best;
    }

    private (AgentStatus, string) Stop(ResourceConfig resource)
    {
        lock (_lock)
        {
            _announcing.Remove(resource.Name);
        }

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

    /// <summary>Sends the first announcement now and hands the others to the announcer thread; returns what was done.</summary>
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
                    _announcing[name] = new Announcement(vip.Address, nic, index, vip.ArpInterval, vip.ArpCount - 1, Stopwatch.GetTimestamp() + Ticks(vip.ArpInterval));
                    EnsureAnnouncerLocked();
                    System.Threading.Monitor.PulseAll(_lock);
                }
            }
        }

        return $"gratuitous ARP {vip.ArpCount.ToString(CultureInfo.InvariantCulture)} times, {Seconds(vip.ArpInterval)} s apart";
    }

    /// <summary>
    /// One thread for every later announcement (not the thread pool, which a busy daemon may keep waiting), made once:
    /// it inherits the network namespace of the thread that makes it, which is the daemon's.
    /// </summary>
    private void EnsureAnnouncerLocked()
    {
        if (_announcer is null && !_disposed)
        {
            _announcer = new Thread(AnnounceLoop) { IsBackground = true, Name = "vip-arp" };
            _announcer.Start();
        }
    }

    private void AnnounceLoop()
    {
        while (true)
        {
            string name;
            Announcement due;
            lock (_lock)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    string? first = null;
                    Announcement? soonest = null;
                    foreach (var (key, announcement) in _announcing)
                    {
                        if (soonest is null || announcement.Due < soonest.Due)
                        {
                            (first, soonest) = (key, announcement);
                        }
                    }

                    if (soonest is null)
                    {
                        System.Threading.Monitor.Wait(_lock);
                        continue;
                    }

                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), soonest.Due);
                    if (wait > TimeSpan.Zero)
                    {
                        System.Threading.Monitor.Wait(_lock, wait + TimeSpan.FromMilliseconds(1));
                        continue;
                    }

                    (name, due) = (first!, soonest);
                    break;
                }
            }

            // Whoever removed the address (the stop, the hard kill, an administrator), it is not announced again.
            var (addresses, _) = RouteNetlink.Addresses();
            var stillHeld = addresses.Any(a => a.Index == due.Index && a.Address.Equals(due.Address));
            lock (_lock)
            {
                if (!_announcing.TryGetValue(name, out var current) || !ReferenceEquals(current, due))
                {
                    continue; // stopped meanwhile
                }

                if (stillHeld && GratuitousArp.Announce(due.Nic, due.Index, due.Address) is null)
                {
                    Interlocked.Increment(ref _sent);
                }

                if (!stillHeld || --due.Remaining <= 0)
                {
                    _announcing.Remove(name);
                }
                else
                {
                    due.Due += Ticks(due.Interval);
                }
            }
        }
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private static AgentResult Result(ResourceConfig resource, AgentAction action, AgentStatus status, long started, string message) =>
        new(resource.Name, action, status, null, Stopwatch.GetElapsedTime(started), message);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private sealed class Announcement(IPAddress address, string nic, int index, TimeSpan interval, int remaining, long due)
    {
        public IPAddress Address { get; } = address;

        public string Nic { get; } = nic;

        public int Index { get; } = index;

        public TimeSpan Interval { get; } = interval;

        public int Remaining { get; set; } = remaining;

        /// <summary>When the next one is due (Stopwatch ticks).</summary>
        public long Due { get; set; } = due;
    }
}
