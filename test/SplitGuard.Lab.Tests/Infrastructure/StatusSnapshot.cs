using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// One `splitguard status --json` document (schema 1, docs/operations.md) of a node with a single cluster and a
/// single peer, read into typed values; <see cref="Text"/> keeps the document for failure messages.
/// </summary>
public sealed class StatusSnapshot
{
    private readonly JsonObject _root;

    private StatusSnapshot(string node, JsonObject root, DateTimeOffset takenAt)
    {
        Node = node;
        _root = root;
        TakenAt = takenAt;
        var daemon = Obj(root, "daemon");
        Pid = Int(daemon, "pid");
        Incarnation = daemon["incarnation"]!.GetValue<ulong>();
        Started = daemon["started"] is JsonValue started ? DateTimeOffset.Parse(started.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;
        SlowTicks = daemon["slow_ticks"]?.GetValue<long>() ?? 0;
        NodeStatus = daemon["status"]?.GetValue<string>() ?? string.Empty;
        var cluster = Arr(root, "clusters").Single()!.AsObject();
        var peer = Arr(cluster, "peers").Single()!.AsObject();
        PeerId = Int(peer, "id");
        Isolation = Str(peer, "isolation");
        PeerReportsWitnessLost = peer["peer_reports_witness_lost"]?.GetValue<bool>() ?? false;
        Links = Arr(peer, "links").Select(l => LinkStatus.From(l!.AsObject())).ToList();
        Paths = Arr(peer, "paths").Select(p => PathStatus.From(p!.AsObject())).ToList();
        var frames = Obj(root, "frames");
        Accepted = frames["accepted"]!.GetValue<long>();
        DroppedTotal = frames["dropped_total"]!.GetValue<long>();
        Dropped = Obj(frames, "dropped").ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<long>(), StringComparer.Ordinal);
        Ownership = root["ownership"] is JsonObject own ? OwnershipStatus.From(own) : null;
    }

    /// <summary>The lab node it was taken on.</summary>
    public string Node { get; }

    /// <summary>When the test received it (host wall clock).</summary>
    public DateTimeOffset TakenAt { get; }

    public int Pid { get; }

    public ulong Incarnation { get; }

    /// <summary><c>daemon.started</c>: the daemon's wall clock now minus its (monotonic) uptime, so a step of the daemon's
    /// wall clock moves it by the step (FAULTS.md F13 checks libfaketime took effect with it); null if absent.</summary>
    public DateTimeOffset? Started { get; }

    /// <summary><c>daemon.slow_ticks</c> (0 if absent).</summary>
    public long SlowTicks { get; }

    /// <summary><c>daemon.status</c>: the node status it puts in its frames (ONLINE, STANDBY, OFFLINE, PROGRESS).</summary>
    public string NodeStatus { get; }

    public int PeerId { get; }

    /// <summary>The peer entry's <c>isolation</c>: none, self, peer, unknown.</summary>
    public string Isolation { get; }

    public bool PeerReportsWitnessLost { get; }

    public IReadOnlyList<LinkStatus> Links { get; }

    public IReadOnlyList<PathStatus> Paths { get; }

    public long Accepted { get; }

    public long DroppedTotal { get; }

    /// <summary><c>frames.dropped</c> by reason name.</summary>
    public IReadOnlyDictionary<string, long> Dropped { get; }

    /// <summary>The <c>ownership</c> object (docs/ownership.md), present when the config has resources; else null.</summary>
    public OwnershipStatus? Ownership { get; }

    /// <summary>The whole document, indented, for failure messages.</summary>
    public string Text => _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The link with id <paramref name="id"/>.</summary>
    public LinkStatus Link(int id) =>
        Links.SingleOrDefault(l => l.Id == id) ?? throw new KeyNotFoundException($"{Node}: no link {id} in status{Environment.NewLine}{Text}");

    /// <summary>The path of type <paramref name="type"/> (udp, icmp).</summary>
    public PathStatus Path(string type) =>
        Paths.SingleOrDefault(p => p.Type == type) ?? throw new KeyNotFoundException($"{Node}: no {type} path in status{Environment.NewLine}{Text}");

    /// <summary>A drop counter (0 if the reason is not listed).</summary>
    public long DroppedFor(string reason) => Dropped.TryGetValue(reason, out var n) ? n : 0;

    /// <summary>Every link and path in service, no one-way flag, isolation none, no hop check running.</summary>
    public bool AllInService =>
        Links.All(l => l.State == "in_service" && !l.OneWay && (l.Hop is null || l.Hop.State == "inactive"))
        && Paths.All(p => p.State == "in_service")
        && Isolation == "none";

    /// <summary>One line per link and path, for messages and test output.</summary>
    public string Summary()
    {
        var parts = new List<string> { $"{Node}: isolation={Isolation} peer_reports_witness_lost={PeerReportsWitnessLost}" };
        if (Ownership is { } own)
        {
            parts.Add("  ownership: " + own.Describe());
        }

        parts.AddRange(Paths.Select(p => $"  path {p.Type}: {p.State} since {p.Since:HH:mm:ss.fff}"));
        parts.AddRange(Links.Select(l => "  " + l.Describe()));
        return string.Join(Environment.NewLine, parts);
    }

    /// <summary>Parses a status document of <paramref name="node"/>.</summary>
    public static StatusSnapshot Parse(string node, JsonNode? document)
    {
        if (document is not JsonObject root)
        {
            throw new InvalidOperationException($"{node}: the status is not a JSON object: {document?.ToJsonString()}");
        }

        if (root["ok"]?.GetValue<bool>() == false)
        {
            throw new InvalidOperationException($"{node}: the daemon answered an error: {root.ToJsonString()}");
        }

        return new StatusSnapshot(node, root, DateTimeOffset.Now);
    }

    /// <summary>Parses the output of `splitguard status --json`.</summary>
    public static StatusSnapshot Parse(string node, JsonDocument document) =>
        Parse(node, JsonNode.Parse(document.RootElement.GetRawText()));

    internal static JsonObject Obj(JsonObject parent, string name) =>
        parent[name] as JsonObject ?? throw new InvalidOperationException($"status: no object '{name}' in {parent.ToJsonString()}");

    internal static JsonArray Arr(JsonObject parent, string name) =>
        parent[name] as JsonArray ?? throw new InvalidOperationException($"status: no array '{name}' in {parent.ToJsonString()}");

    internal static string Str(JsonObject parent, string name) =>
        parent[name]?.GetValue<string>() ?? throw new InvalidOperationException($"status: no string '{name}' in {parent.ToJsonString()}");

    internal static int Int(JsonObject parent, string name) =>
        parent[name]?.GetValue<int>() ?? throw new InvalidOperationException($"status: no number '{name}' in {parent.ToJsonString()}");

    internal static DateTimeOffset Time(JsonObject parent, string name) =>
        DateTimeOffset.Parse(Str(parent, name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}

/// <summary>One entry of a peer's <c>links</c>.</summary>
public sealed record LinkStatus(
    int Id,
    string Type,
    string State,
    DateTimeOffset Since,
    bool OneWay,
    long Sent,
    long Received,
    long Lost,
    HopStatus? Hop,
    bool? WitnessReachable)
{
    internal static LinkStatus From(JsonObject link)
    {
        HopStatus? hop = null;
        if (link["hop"] is JsonObject h)
        {
            hop = new HopStatus(StatusSnapshot.Str(h, "state"), StatusSnapshot.Time(h, "since"), h["sent"]!.GetValue<long>(), h["received"]!.GetValue<long>());
        }

        return new LinkStatus(
            StatusSnapshot.Int(link, "id"),
            StatusSnapshot.Str(link, "type"),
            StatusSnapshot.Str(link, "state"),
            StatusSnapshot.Time(link, "since"),
            link["one_way"]!.GetValue<bool>(),
            link["sent"]!.GetValue<long>(),
            link["received"]!.GetValue<long>(),
            link["lost"]!.GetValue<long>(),
            hop,
            link["witness_reachable"]?.GetValue<bool?>());
    }

    /// <summary>One line: id, type, state, since, one-way, counters, hop.</summary>
    public string Describe() =>
        $"link {Id} ({Type}): {State} since {Since:HH:mm:ss.fff} one_way={OneWay} sent={Sent} received={Received} lost={Lost}"
        + (Hop is { } h ? $" hop={h.State} since {h.Since:HH:mm:ss.fff} ({h.Received}/{h.Sent}) witness_reachable={WitnessReachable?.ToString() ?? "null"}" : string.Empty);
}

/// <summary>The <c>hop</c> object of an icmp link (ICMP_HOP).</summary>
public sealed record HopStatus(string State, DateTimeOffset Since, long Sent, long Received);

/// <summary>One entry of a peer's <c>paths</c>.</summary>
public sealed record PathStatus(string Type, string State, DateTimeOffset Since)
{
    internal static PathStatus From(JsonObject path) =>
        new(StatusSnapshot.Str(path, "type"), StatusSnapshot.Str(path, "state"), StatusSnapshot.Time(path, "since"));
}

/// <summary>The <c>ownership</c> object of a status: the lease as this node sees it and its resources.</summary>
/// <param name="Term">The lease term.</param>
/// <param name="Holder">The holder's node id, 0 for none.</param>
/// <param name="Run">This node's verdict: run the resources here.</param>
/// <param name="Why">The reason of the last decision.</param>
/// <param name="Resources">stopped, starting, started, stopping or failed.</param>
/// <param name="TakeoverAfterMs">Silence (with the witness answering) after which this node takes over from a silent peer.</param>
public sealed record OwnershipStatus(long Term, int Holder, bool Run, string Why, string Resources, long ResourceFailures, double TakeoverAfterMs)
{
    internal static OwnershipStatus From(JsonObject own) =>
        new(
            own["term"]!.GetValue<long>(),
            StatusSnapshot.Int(own, "holder"),
            own["run"]!.GetValue<bool>(),
            own["why"]?.GetValue<string>() ?? string.Empty,
            StatusSnapshot.Str(own, "resources"),
            own["resource_failures"]?.GetValue<long>() ?? 0,
            own["takeover_after_ms"]!.GetValue<double>());

    /// <summary>One line for messages.</summary>
    public string Describe() =>
        $"term {Term}, holder {(Holder == 0 ? "none" : Holder.ToString(CultureInfo.InvariantCulture))}, run {Run}, resources {Resources}, failures {ResourceFailures}: {Why}";
}
