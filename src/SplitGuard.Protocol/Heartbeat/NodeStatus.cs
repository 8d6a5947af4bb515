namespace SplitGuard.Protocol.Heartbeat;

/// <summary>The sender's resource status, carried in every heartbeat (pha's ONLINE / OFFLINE / PROGRESS, plus STANDBY).</summary>
public enum NodeStatus : byte
{
    /// <summary>Running normally and willing to own resources.</summary>
    Online = 1,

    /// <summary>Owns nothing and will not take anything over (manual switchover, shutting down).</summary>
    Offline = 2,

    /// <summary>Starting or stopping resources: peers wait.</summary>
    Progress = 3,

    /// <summary>Up, heartbeating, but not eligible to own resources.</summary>
    Standby = 4,
}
