using SplitGuard.Core.Resources;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>Resources, groups and agent results for the pure state machine tests.</summary>
internal static class ResourceTestData
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public static ResourceConfig Resource(string name, string? group = null, int threshold = 3) => new()
    {
        Name = name,
        Agent = AgentSpec.Ocf("heartbeat", "Dummy"),
        Group = group,
        MonitorInterval = Interval,
        MigrationThreshold = threshold,
        Timeouts = new ResourceTimeouts(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)),
    };

    public static ResourceGroupConfig Group(string name, params string[] members) =>
        ResourceGroups.Build(members.Select(m => Resource(m, name))).Single();

    public static AgentResult Result(string resource, AgentAction action, AgentStatus status, int? exitCode = null) =>
        new(resource, action, status, exitCode ?? (status < AgentStatus.UnknownExitCode ? (int)status : null), TimeSpan.FromMilliseconds(30), $"{action} of {resource}: {status}");

    /// <summary>"Start vip", "Monitor web" ... for each RunAgent effect, in order.</summary>
    public static IEnumerable<string> Runs(IEnumerable<ResourceEffect> effects) =>
        effects.Where(e => e.Kind == ResourceEffectKind.RunAgent).Select(e => $"{e.Action} {e.Resource}");
}
