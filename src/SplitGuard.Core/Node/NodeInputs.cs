using SplitGuard.Core.Links;

namespace SplitGuard.Core.Node;

/// <summary>What the shell tells the <see cref="NodeController"/> about this node on every pass.</summary>
/// <param name="Observations">What this node observes of every lease peer now (one per peer, in the lease's order).</param>
/// <param name="Active">Some resource may be running here (starting, started, stopping, failed, found running, stop failed).</param>
/// <param name="Probing">The probe at start has not yet said whether every resource runs here.</param>
/// <param name="NeedsMove">A group reached its migration threshold here: the node must give the groups away.</param>
/// <param name="Panic">Why the node is in panic (a stop could not be confirmed), or null.</param>
/// <param name="TermStoreError">The last attempt to store the lease term failed (the node claims nothing it could forget).</param>
/// <param name="GatewaysLost">pha's gateways: null without gateways, else true while none of them answers.</param>
/// <param name="LastStall">When the heartbeat engine last noticed this node had stalled, or null.</param>
public readonly record struct NodeInputs(
    IReadOnlyList<PeerObservation> Observations,
    bool Active,
    bool Probing,
    bool NeedsMove,
    string? Panic,
    bool TermStoreError,
    bool? GatewaysLost,
    TimeSpan? LastStall);
