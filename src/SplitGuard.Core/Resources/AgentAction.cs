namespace SplitGuard.Core.Resources;

/// <summary>What an agent is asked to do. The verb on the command line depends on the <see cref="AgentKind"/>.</summary>
public enum AgentAction
{
    /// <summary>Start the resource (<c>start</c> for every kind).</summary>
    Start = 0,

    /// <summary>Stop the resource (<c>stop</c> for every kind); stopping a stopped resource must succeed.</summary>
    Stop = 1,

    /// <summary>Is it running? OCF <c>monitor</c>, LSB <c>status</c>, pha-style <c>check</c>.</summary>
    Monitor = 2,

    /// <summary>OCF <c>meta-data</c>: the agent's XML description. Other kinds do not have it.</summary>
    MetaData = 3,
}
