namespace SplitGuard.Core.Resources;

/// <summary>
/// One group on this node (a resource without a group is a group of one): drives its members toward the goal
/// placement set, one start or stop at a time, in order. Immutable; every call takes the monotonic time and
/// returns the new state with the effects to carry out.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Unknown members are probed first (all at once); nothing starts or stops until every member is known.</item>
/// <item>Goal started: members start in config order, each after the one before it runs.</item>
/// <item>Goal stopped, or the group <see cref="NeedsMove"/>: members stop in reverse order.</item>
/// <item>A member fails (start, monitor) below its threshold: the members after it stop (reverse order), it
/// stops, then it and they start again: restart in place.</item>
/// <item>A stop fails: the group is <see cref="IsBlocked"/> until escalation (<see cref="ConfirmStopped"/>) or cleanup.</item>
/// </list>
/// </remarks>
public sealed partial record ResourceGroupState
{
    /// <summary>The group's configuration.</summary>
    public required ResourceGroupConfig Config { get; init; }

    /// <summary>The members' states, in start order.</summary>
    public required IReadOnlyList<ResourceState> Members { get; init; }

    /// <summary>What placement asked for.</summary>
    public ResourceGoal Goal { get; init; } = ResourceGoal.Stopped;

    /// <summary>The group's name.</summary>
    public string Name => Config.Name;

    /// <summary>Some member reached its migration threshold: the group must not run here; it stops and placement moves it.</summary>
    public bool NeedsMove => Members.Any(m => m.NeedsMove);

    /// <summary>Some member's stop failed: nothing more runs until escalation confirms it stopped, or cleanup.</summary>
    public bool IsBlocked => Members.Any(m => m.StopFailed);

    /// <summary>Every member runs.</summary>
    public bool IsStarted => Members.All(m => m.Status == ResourceStatus.Started);

    /// <summary>Every member is stopped and idle: another node may start the group (stop-before-start holds for it).</summary>
    public bool IsStopped => Members.All(m => m.Status == ResourceStatus.Stopped && m.Pending is null);

    /// <summary>The goal the members are driven to: <see cref="ResourceGoal.Stopped"/> when the group needs to move or is blocked.</summary>
    public ResourceGoal EffectiveGoal => Goal == ResourceGoal.Started && !NeedsMove && !IsBlocked ? ResourceGoal.Started : ResourceGoal.Stopped;

    /// <summary>
    /// Starting or stopping is under way (what pha calls PROGRESS: peers wait): a start or stop is pending, or the
    /// members are not yet where <see cref="EffectiveGoal"/> wants them.
    /// </summary>
    public bool InProgress =>
        Members.Any(m => m.InProgress || m.Status == ResourceStatus.Unknown)
        || (!IsBlocked && (EffectiveGoal == ResourceGoal.Started ? !IsStarted : !IsStopped));

    /// <summary>A new group: every member unknown, goal stopped.</summary>
    public static ResourceGroupState Create(ResourceGroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ResourceGroupState { Config = config, Members = config.Members.Select(ResourceState.Initial).ToList() };
    }

    /// <summary>The state of member <paramref name="resource"/>; throws <see cref="KeyNotFoundException"/> when not a member.</summary>
    public ResourceState Member(string resource) =>
        Members.FirstOrDefault(m => m.Name == resource) ?? throw new KeyNotFoundException($"{resource} is not a member of group {Name}");

    /// <summary>True when <paramref name="resource"/> is a member.</summary>
    public bool Contains(string resource) => Members.Any(m => m.Name == resource);

    /// <summary>Daemon start: probe every member; start or stop nothing until placement decides (a group found running may stay).</summary>
    public GroupStep Probe(TimeSpan now) => (this with { Goal = ResourceGoal.Undecided }).Drive(now, []);

    /// <summary>Placement wants the group here: start the members in order.</summary>
    public GroupStep Start(TimeSpan now) => (this with { Goal = ResourceGoal.Started }).Drive(now, []);

    /// <summary>Placement wants the group gone from here: stop the members in reverse order.</summary>
    public GroupStep Stop(TimeSpan now) => (this with { Goal = ResourceGoal.Stopped }).Drive(now, []);

    /// <summary>Time passed: begins the monitors that are due (one per member however late the tick), then drives.</summary>
    public GroupStep Tick(TimeSpan now)
    {
        var effects = new List<ResourceEffect>();
        var members = Members.ToArray();
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i].MonitorDue(now))
            {
                var t = members[i].BeginMonitor(now);
                members[i] = t.State;
                effects.AddRange(t.Effects);
            }
        }

        return (this with { Members = members }).Drive(now, effects);
    }

    /// <summary>Applies an agent result for one member, then drives. A result for a non-member is ignored.</summary>
    public GroupStep OnResult(AgentResult result, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(result);
        var index = IndexOf(result.Resource);
        if (index < 0)
        {
            return new GroupStep(this, [new ResourceEffect(ResourceEffectKind.Ignored, result.Resource, result.Action, TimeSpan.Zero, $"ignored a {result.Action} result: {result.Resource} is not a member of group {Name}")]);
        }

        var t = Members[index].Complete(result, now);
        return Replace(index, t.State).Drive(now, [.. t.Effects]);
    }

    /// <summary>
    /// <c>splitguard resource cleanup</c>: forgets the failures of <paramref name="resource"/>, or of every member
    /// when null, then drives (failed members are probed again).
    /// </summary>
    public GroupStep Cleanup(string? resource, TimeSpan now)
    {
        var members = Members.Select(m => resource is null || m.Name == resource ? m.Cleanup() : m).ToList();
        return (this with { Members = members }).Drive(now, []);
    }

    /// <summary>Escalation killed the processes of <paramref name="resource"/> after its stop failed: it is stopped; then drives.</summary>
    public GroupStep ConfirmStopped(string resource, string reason, TimeSpan now)
    {
        var index = IndexOf(resource);
        if (index < 0)
        {
            throw new KeyNotFoundException($"{resource} is not a member of group {Name}");
        }

        var t = Members[index].ConfirmStopped(now, reason);
        return Replace(index, t.State).Drive(now, [.. t.Effects]);
    }

    /// <summary>
    /// The shell hard-killed <paramref name="resource"/> at the hard deadline (see <see cref="ResourceState.HardKilled"/>):
    /// stopped with a failure when its cgroup was confirmed empty, else a failed stop (blocked, escalation); then drives.
    /// </summary>
    public GroupStep HardKilled(string resource, string reason, bool confirmedEmpty, TimeSpan now)
    {
        var index = IndexOf(resource);
        if (index < 0)
        {
            throw new KeyNotFoundException($"{resource} is not a member of group {Name}");
        }

        var t = Members[index].HardKilled(now, reason, confirmedEmpty);
        return Replace(index, t.State).Drive(now, [.. t.Effects]);
    }

    private int IndexOf(string resource)
    {
        for (var i = 0; i < Members.Count; i++)
        {
            if (Members[i].Name == resource)
            {
                return i;
            }
        }

        return -1;
    }

    private ResourceGroupState Replace(int index, ResourceState member)
    {
        var members = Members.ToArray();
        members[index] = member;
        return this with { Members = members };
    }
}
