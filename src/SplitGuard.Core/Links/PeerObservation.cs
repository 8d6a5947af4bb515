using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Links;

/// <summary>What one node knows of its peer at one instant: the inputs of the ownership decision.</summary>
/// <param name="Peer">The peer's node id.</param>
/// <param name="Heard">A frame arrived from the peer within the detection time, on any link.</param>
/// <param name="LastHeard">When the last frame from the peer arrived (any link), or null if never.</param>
/// <param name="HearsMe">The peer's freshest frame says it hears this node.</param>
/// <param name="PeerTerm">The lease term in the peer's freshest frame.</param>
/// <param name="PeerHolder">The lease holder in the peer's freshest frame (0: none).</param>
/// <param name="PeerRunning">The peer's freshest frame says it runs the exclusive resources.</param>
/// <param name="PeerStatus">The peer's status, if heard.</param>
/// <param name="HasWitness">There is an icmp link (a witness) to this peer.</param>
/// <param name="RelayHealthy">The witness relay has worked at least once since start (not filtered).</param>
/// <param name="WitnessSince">Since when the witness answers this node without a gap, or null when it does not now.</param>
/// <param name="WitnessRoundTrip">When the witness last answered this node's own probe (proof of both directions), or null.</param>
public readonly record struct PeerObservation(
    ushort Peer,
    bool Heard,
    TimeSpan? LastHeard,
    bool HearsMe,
    uint PeerTerm,
    ushort PeerHolder,
    bool PeerRunning,
    NodeStatus? PeerStatus,
    bool HasWitness,
    bool RelayHealthy,
    TimeSpan? WitnessSince,
    TimeSpan? WitnessRoundTrip = null)
{
    /// <summary>The peer's latest frame acknowledges the lease it names (it heard its holder within its window).</summary>
    public bool AcksLease { get; init; }

    /// <summary>The peer's latest frame says it lost every one of its gateways.</summary>
    public bool PeerGatewayLost { get; init; }

    /// <summary>The peer's last frame (however old) said it left in maintenance, its resources running without it.</summary>
    public bool PeerMaintenance { get; init; }
}
