using System.Globalization;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Core.Node;

/// <content>The operator's commands and windows (standby, online, offline for a while, move away, stop), and pha's gateway rule.</content>
public sealed partial class NodeController
{
    private bool _operatorIneligible;
    private NodeStatus _operatorStatus = NodeStatus.Online;
    private TimeSpan? _offlineUntil;
    private TimeSpan? _moveAwayUntil;
    private bool _gatewaysLost;
    private bool _gatewayGiveUp;

    /// <summary>How long a resource move waits for another node to take the resources over before this one may own again.</summary>
    public static readonly TimeSpan MoveWindow = TimeSpan.FromSeconds(60);

    /// <summary>How long <c>offline</c> lasts when no time is given.</summary>
    public static readonly TimeSpan DefaultOffline = TimeSpan.FromSeconds(30);

    /// <summary>True while a resource move waits for another node to take over.</summary>
    public bool MovingAway => _moveAwayUntil is not null;

    /// <summary>True while every gateway is lost (pha).</summary>
    public bool GatewaysLost => _gatewaysLost;

    /// <summary>True while this node gives the lease up because another node still reaches its gateways.</summary>
    public bool GatewayGiveUp => _gatewayGiveUp;

    /// <summary>
    /// <c>standby</c>, <c>online</c> or <c>offline</c> (for <paramref name="offlineFor"/>, default 30 s): the node stops
    /// being eligible and says so in its frames (the peer takes over at once: it hears the release), or becomes eligible.
    /// Returns the operator's message.
    /// </summary>
    public string SetAvailability(string command, TimeSpan now, TimeSpan? offlineFor = null)
    {
        _offlineUntil = null;
        switch (command)
        {
            case "online":
                _operatorIneligible = false;
                _operatorStatus = NodeStatus.Online;
                return "ONLINE: this node may own resources again";
            case "standby":
                _operatorIneligible = true;
                _operatorStatus = NodeStatus.Standby;
                return "STANDBY: this node releases the lease and stops its resources; the peer takes over";
            case "offline":
                var period = offlineFor is { } f && f > TimeSpan.Zero ? f : DefaultOffline;
                _operatorIneligible = true;
                _operatorStatus = NodeStatus.Offline;
                _offlineUntil = now + period;
                return string.Create(CultureInfo.InvariantCulture, $"OFFLINE for {period.TotalSeconds:0.###} s: switchover to the peer; ONLINE again afterwards");
            default:
                throw new ArgumentException($"unknown availability '{command}'; known: online, standby, offline", nameof(command));
        }
    }

    /// <summary>
    /// <c>resource move</c>: this node gives the lease and its resources up for <see cref="MoveWindow"/> or until another
    /// node runs them. Refused (an error message) unless this node holds the lease and another node is heard ONLINE.
    /// </summary>
    public (bool Ok, string Message) MoveAway(TimeSpan now, string resource)
    {
        if (Decision.Holder != Lease.Self)
        {
            return (false, Decision.Holder == 0
                ? $"nobody holds the lease now; {resource} does not run here"
                : $"{resource} does not run here: node {Decision.Holder} holds the lease; run the move there");
        }

        var online = _observations.Where(o => o.Heard && o.PeerStatus == NodeStatus.Online).Select(o => o.Peer).ToList();
        if (online.Count == 0)
        {
            return (false, $"refused: no other node is heard ONLINE, so nobody could take {resource} over");
        }

        _moveAwayUntil = now + MoveWindow;
        return (true, $"moving: this node releases the lease and stops its resources; node(s) {string.Join(", ", online)} may take them over");
    }

    /// <summary>
    /// Stop the daemon: resources first (<paramref name="leaveRunning"/> false), or leave in maintenance with them
    /// running. Returns null when accepted, else why not. <paramref name="panic"/>: the node's panic reason, if any.
    /// </summary>
    public string? RequestStop(bool leaveRunning, string? panic = null)
    {
        if (leaveRunning)
        {
            if (_stopping)
            {
                return "refused: the daemon is already stopping";
            }

            if (panic is not null)
            {
                return "refused: this node is in panic; recover first";
            }

            if (!_observations.Any(o => o.Heard && o.HearsMe))
            {
                return "refused: no peer hears this node, so none could be told to hold off; stop the resources with `splitguard stop`";
            }
        }

        if (!_stopping)
        {
            _stopping = true;
            _leaveRunning = leaveRunning;
            if (leaveRunning)
            {
                Event(1403, NodeEventLevel.Warning, "leaving in maintenance (stop --leave-running): the resources stay running without the daemon; the peers hold off until it is back");
            }
        }

        return null;
    }

    private void OperatorWindows(TimeSpan now)
    {
        if (_offlineUntil is { } until && now >= until)
        {
            _offlineUntil = null;
            _operatorIneligible = false;
            _operatorStatus = NodeStatus.Online;
            Event(1407, NodeEventLevel.Information, "offline period over: this node is ONLINE again");
        }

        var taker = _observations.FirstOrDefault(o => o.Heard && o.PeerHolder == o.Peer && o.PeerRunning);
        if (_moveAwayUntil is { } moveEnd && (now >= moveEnd || taker.Heard))
        {
            _moveAwayUntil = null;
            Event(1408, NodeEventLevel.Information, taker.Heard
                ? $"resource move: node {taker.Peer} runs the resources now; this node may own resources again"
                : "resource move: no other node took the resources over in time; this node may own resources again");
        }
    }

    /// <summary>
    /// pha's gateway rule: a node that lost every gateway gives up its lease and resources while another node, heard
    /// ONLINE, still reaches its own (that node takes over at once: it hears the release). When all lost them (the
    /// gateway itself is down), nobody moves.
    /// </summary>
    private void GatewayCheck(bool? gatewaysLost)
    {
        if (gatewaysLost is not { } lost)
        {
            return;
        }

        bool giveUp = lost && _observations.Any(o => o.Heard && !o.PeerGatewayLost && o.PeerStatus == NodeStatus.Online);
        if (lost != _gatewaysLost || giveUp != _gatewayGiveUp)
        {
            Event(1402, NodeEventLevel.Warning, $"gateways {(lost ? "lost" : "reachable")}; "
                + (giveUp ? "another node still reaches them: giving up the lease and resources" : lost ? "no other node reaches them either: nothing moves" : "this node may own resources"));
        }

        _gatewaysLost = lost;
        _gatewayGiveUp = giveUp;
    }
}
