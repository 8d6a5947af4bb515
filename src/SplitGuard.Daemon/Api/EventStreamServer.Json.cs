using System.Text.Json;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;

namespace SplitGuard.Daemon.Api;

/// <summary>The JSON shape of link events (documented in docs/api.md; names are public, add fields, never rename).</summary>
public sealed partial class EventStreamServer
{
    /// <summary>The <c>kind</c> of a link event: link, path, hop, one_way, slow_tick.</summary>
    public static string KindName(LinkEventKind kind) => kind switch
    {
        LinkEventKind.Link => "link",
        LinkEventKind.Path => "path",
        LinkEventKind.Hop => "hop",
        LinkEventKind.OneWay => "one_way",
        LinkEventKind.SlowTick => "slow_tick",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Writes the fields of <paramref name="e"/> after <c>time</c> and <c>kind</c>.</summary>
    internal static void WriteLinkEvent(Utf8JsonWriter json, LinkEvent e)
    {
        if (e.Kind == LinkEventKind.SlowTick)
        {
            json.WriteNull("cluster");
            json.WriteNull("node");
            json.WriteNull("link");
            json.WriteNull("link_type");
            json.WriteNull("state");
            json.WriteNull("sbp_type");
        }
        else
        {
            json.WriteNumber("cluster", e.Cluster);
            json.WriteNumber("node", e.Peer);
            if (e.Kind == LinkEventKind.Path)
            {
                json.WriteNull("link");
            }
            else
            {
                json.WriteNumber("link", e.Link);
            }

            json.WriteString("link_type", e.Kind == LinkEventKind.Hop ? "icmp_hop" : e.Type == LinkType.Udp ? "udp" : "icmp");
            json.WriteString("state", e.InService ? "in_service" : "out_of_service");
            if (e.ToSbp() is { } sbp)
            {
                json.WriteNumber("sbp_type", (ushort)sbp.Type);
            }
            else
            {
                json.WriteNull("sbp_type");
            }
        }

        json.WriteString("detail", e.Detail);
    }
}
