using SplitGuard.Core.Placement;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Node;

/// <summary>What the shell must do after one <see cref="NodeController.Step"/>; it decides nothing itself.</summary>
public sealed class NodeActions
{
    /// <summary>The lease engine's verdict of this pass.</summary>
    public OwnershipDecision Decision { get; internal set; }

    /// <summary>The status every frame carries from now on.</summary>
    public NodeStatus Status { get; internal set; }

    /// <summary>The lease every frame carries: (term, holder), whether resources may run here, and the flags.</summary>
    public uint Term => Decision.Term;

    /// <summary>The holder every frame names (0: none).</summary>
    public ushort Holder => Decision.Holder;

    /// <summary>The frames say resources may run here (the peers must not start theirs).</summary>
    public bool Running { get; internal set; }

    /// <summary>The frames say this node lost every gateway.</summary>
    public bool GatewaysLost { get; internal set; }

    /// <summary>The frames carry the maintenance flag (leaving with the resources running).</summary>
    public bool Maintenance { get; internal set; }

    /// <summary>Drive the resources toward running (true) or stopped (false); null: leave them as they are (probing, resuming).</summary>
    public bool? Run { get; internal set; }

    /// <summary>The term to store before it goes out in a frame (the shell stores it when above what it stored).</summary>
    public uint PersistTerm => Decision.Term;

    /// <summary>Tell the guard: resources active here, and when (from now) it must start stopping them and kill them.</summary>
    public GuardBeat Guard { get; internal set; }

    /// <summary>Kill every resource's processes now and remove their addresses: the hard stop deadline passed (once per stop).</summary>
    public bool HardKill { get; internal set; }

    /// <summary>Why <see cref="HardKill"/> fires (for the log), or null.</summary>
    public string? HardKillReason { get; internal set; }

    /// <summary>Pet the watchdog (if one is armed): false once the hard deadline passed with resources still active.</summary>
    public bool PetWatchdog { get; internal set; }

    /// <summary>The daemon may leave now (its stop is done: the resources down, or left running in maintenance).</summary>
    public bool Exit { get; internal set; }

    /// <summary>What to log, each with its event id.</summary>
    public List<NodeEvent> Events { get; } = [];

    internal void Reset()
    {
        Events.Clear();
        HardKill = false;
        HardKillReason = null;
        Exit = false;
    }
}

/// <summary>
/// The guard's instructions for one beat: if no beat comes within <see cref="GracefulIn"/> it runs the resources'
/// stops; within <see cref="HardIn"/>, it kills their processes and removes their addresses.
/// </summary>
public readonly record struct GuardBeat(bool Active, TimeSpan GracefulIn, TimeSpan HardIn);

/// <summary>A line for the log, with its event id (docs/operations.md lists them).</summary>
public readonly record struct NodeEvent(int Id, NodeEventLevel Level, string Message);

/// <summary>How loud a <see cref="NodeEvent"/> is (mapped to the logger's levels by the shell).</summary>
public enum NodeEventLevel
{
    Information,
    Warning,
    Error,
    Critical,
}
