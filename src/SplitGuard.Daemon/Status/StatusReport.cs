using System.Globalization;
using System.Text.Json.Nodes;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Daemon.Status;

/// <summary>Builds the status document (schema in docs/operations.md) from the engine at one instant.</summary>
public static class StatusReport
{
    public const int SchemaVersion = 1;

    public static JsonObject Build(HeartbeatEngine engine, IReadOnlyList<ClusterMembership> memberships, TimeSpan now, DateTimeOffset wallNow, DaemonInfo info)
    {
        string Wall(TimeSpan monotonic) => (wallNow - (now - monotonic)).ToString("O", CultureInfo.InvariantCulture);

        var clusters = new JsonArray();
        foreach (var membership in memberships)
        {
            var peers = new JsonArray();
            foreach (var group in engine.Links.Where(l => l.Cluster == membership.Cluster.Id).GroupBy(l => l.Peer).OrderBy(g => g.Key))
            {
                var member = membership.Cluster.Members.First(m => m.Id == group.Key);
                var peerLinks = engine.Peer(membership.Cluster.Id, group.Key);
                var links = new JsonArray();
                foreach (var link in group.OrderBy(l => l.Id))
                {
                    var obj = new JsonObject
                    {
                        ["id"] = link.Id,
                        ["type"] = link.Type == LinkType.Udp ? "udp" : "icmp",
                        ["state"] = Name(link.State),
                        ["since"] = Wall(link.Since),
                        ["since_ms"] = Math.Round((now - link.Since).TotalMilliseconds),
                        ["one_way"] = link.OneWay,
                        ["local_ip"] = link.LocalIp.ToString(),
                        ["peer_ip"] = link.PeerIp.ToString(),
                        ["interval_ms"] = link.Config.Interval.TotalMilliseconds,
                        ["maxloss"] = link.Config.MaxLoss,
                        ["detection_ms"] = link.DetectionTime.TotalMilliseconds,
                        ["sent"] = link.Sent,
                        ["received"] = link.Received,
                        ["lost"] = link.Lost,
                        ["last_received_ms"] = link.LastReceived is { } last ? Math.Round((now - last).TotalMilliseconds, 1) : null,
                        ["peer_status"] = link.PeerStatus?.ToString().ToUpperInvariant(),
                    };
                    if (link.Type == LinkType.Icmp)
                    {
                        obj["witness"] = link.Witness?.ToString();
                        obj["hop"] = new JsonObject
                        {
                            ["state"] = link.Hop switch
                            {
                                HopState.Inactive => "inactive",
                                HopState.Probing => "probing",
                                HopState.InService => "in_service",
                                _ => "out_of_service",
                            },
                            ["since"] = Wall(link.HopSince),
                            ["sent"] = link.HopSent,
                            ["received"] = link.HopReceived,
                        };
                        obj["witness_reachable"] = link.Hop switch
                        {
                            HopState.Inactive => true,
                            HopState.InService => true,
                            HopState.OutOfService => false,
                            _ => null,
                        };
                    }

                    links.Add((JsonNode)obj);
                }

                var paths = new JsonArray();
                foreach (var type in peerLinks.PathTypes)
                {
                    paths.Add((JsonNode)new JsonObject
                    {
                        ["type"] = type == LinkType.Udp ? "udp" : "icmp",
                        ["state"] = peerLinks.PathOf(type) switch
                        {
                            PathState.InService => "in_service",
                            PathState.OutOfService => "out_of_service",
                            _ => "unknown",
                        },
                        ["since"] = Wall(peerLinks.PathSince(type)),
                    });
                }

                peers.Add((JsonNode)new JsonObject
                {
                    ["id"] = member.Id,
                    ["hostname"] = member.Hostname,
                    ["isolation"] = Isolation(peerLinks, now),
                    ["peer_reports_witness_lost"] = peerLinks.PeerReportsWitnessLost(now),
                    ["paths"] = paths,
                    ["links"] = links,
                });
            }

            clusters.Add((JsonNode)new JsonObject
            {
                ["id"] = membership.Cluster.Id,
                ["local_node"] = membership.LocalNode,
                ["peers"] = peers,
            });
        }

        var dropped = new JsonObject();
        foreach (var (reason, count) in engine.Drops.ByName())
        {
            dropped[reason] = count;
        }

        return new JsonObject
        {
            ["schema"] = SchemaVersion,
            ["daemon"] = new JsonObject
            {
                ["version"] = info.Version,
                ["pid"] = Environment.ProcessId,
                ["node"] = info.NodeName,
                ["incarnation"] = engine.Incarnation,
                ["started"] = Wall(engine.Started),
                ["uptime_s"] = Math.Round((now - engine.Started).TotalSeconds, 3),
                ["status"] = engine.Status.ToString().ToUpperInvariant(),
                ["slow_ticks"] = engine.SlowTicks,
                ["config"] = info.ConfigPath,
            },
            ["clusters"] = clusters,
            ["frames"] = new JsonObject
            {
                ["accepted"] = engine.Drops.Accepted,
                ["dropped_total"] = engine.Drops.TotalDropped,
                ["dropped"] = dropped,
            },
        };
    }

    public static string Name(LinkState state) => state switch
    {
        LinkState.InService => "in_service",
        LinkState.OutOfService => "out_of_service",
        LinkState.Unavailable => "unavailable",
        _ => "unknown",
    };

    /// <summary>
    /// Who is cut off, judged from the icmp links to this peer: "none" while every link is in service,
    /// "self" when this node lost its witness, "peer" when this node still reaches the witness but the relay to
    /// the peer is broken (and the peer is not heard, or says it lost the witness), otherwise "unknown".
    /// </summary>
    private static string Isolation(PeerLinks peer, TimeSpan now)
    {
        var icmp = peer.Links.Where(l => l.Type == LinkType.Icmp).ToList();
        if (peer.Links.All(l => l.State == LinkState.InService))
        {
            return "none";
        }

        if (icmp.Count == 0)
        {
            return "unknown";
        }

        if (icmp.Any(l => l.Hop == HopState.OutOfService))
        {
            return "self";
        }

        if (icmp.Any(l => l.State == LinkState.OutOfService && l.Hop == HopState.InService))
        {
            return "peer";
        }

        return peer.PeerReportsWitnessLost(now) ? "peer" : "unknown";
    }
}
