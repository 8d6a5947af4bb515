namespace SplitGuard.Core.Resources;

/// <summary>How long each agent action may take before its process group is killed (the <c>timeouts</c> key).</summary>
public sealed record ResourceTimeouts(TimeSpan Start, TimeSpan Stop, TimeSpan Monitor)
{
    /// <summary>20 s for each action.</summary>
    public static ResourceTimeouts Default { get; } =
        new(ResourceDefaults.OperationTimeout, ResourceDefaults.OperationTimeout, ResourceDefaults.OperationTimeout);

    /// <summary>The timeout of <paramref name="action"/>; meta-data uses the monitor timeout.</summary>
    public TimeSpan For(AgentAction action) => action switch
    {
        AgentAction.Start => Start,
        AgentAction.Stop => Stop,
        _ => Monitor,
    };
}
