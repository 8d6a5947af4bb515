using System.Net;

namespace SplitGuard.Core.Config;

/// <content>The <c>Cluster</c> array: clusters, members, links and their cross-checks.</content>
internal sealed partial class ConfigReader
{
    internal static readonly IReadOnlyList<string> ClusterKeys = ["ID", "Members", "links"];
    internal static readonly IReadOnlyList<string> MemberKeys = ["ID", "Hostname", "Priority"];
    internal static readonly IReadOnlyList<string> LinkKeys = ["ID", "type", "interval", "maxloss", "ICMPIP", "Nodes"];
    internal static readonly IReadOnlyList<string> EndpointKeys = ["NodeID", "IP"];

    private const string IdExpectation = "an integer from 0 to 65535";
    private const string ClusterShape = "a cluster object ({\"ID\": ..., \"Members\": [...], \"links\": [...]})";
    private const string MemberShape = "a member object ({\"ID\": ..., \"Hostname\": ...})";
    private const string LinkShape = "a link object ({\"ID\", \"type\", \"interval\", \"maxloss\", [\"ICMPIP\",] \"Nodes\"})";
    private const string EndpointShape = "a link endpoint object ({\"NodeID\": ..., \"IP\": ...})";

    private List<ClusterConfig> ReadClusters(JsonTreeNode node, string path)
    {
        var clusters = new List<ClusterConfig>();
        if (node is not JsonTreeArray array)
        {
            Expected(node, path, "an array of cluster objects ([{\"ID\": ..., \"Members\": [...], \"links\": [...]}])");
            return clusters;
        }

        if (array.Items.Count == 0)
        {
            Error(node, path, "expected at least one cluster, got an empty array");
            return clusters;
        }

        var seenIds = new Dictionary<ushort, string>();
        for (var i = 0; i < array.Items.Count; i++)
        {
            if (ReadCluster(array.Items[i], JsonPathText.Index(path, i), seenIds) is { } cluster)
            {
                clusters.Add(cluster);
            }
        }

        return clusters;
    }

    private ClusterConfig? ReadCluster(JsonTreeNode node, string path, Dictionary<ushort, string> seenIds)
    {
        var cluster = ObjectView.Open(this, node, path, ClusterShape, ClusterKeys);
        if (cluster is null)
        {
            return null;
        }

        ushort? id = null;
        if (cluster.Get("ID") is { } idProperty)
        {
            id = ReadUniqueId(idProperty.Value, cluster.PathOf("ID"), "cluster ID", seenIds, path, "cluster IDs must be unique");
        }
        else
        {
            cluster.Missing(this, "ID", "the cluster ID, " + IdExpectation);
        }

        List<MemberConfig>? members = null;
        Dictionary<ushort, string>? memberIds = null;
        if (cluster.Get("Members") is { } membersProperty)
        {
            (members, memberIds) = ReadMembers(membersProperty.Value, cluster.PathOf("Members"));
        }
        else
        {
            cluster.Missing(this, "Members", "an array of members, each {\"ID\": ..., \"Hostname\": ...}");
        }

        List<LinkConfig>? links = null;
        if (cluster.Get("links") is { } linksProperty)
        {
            links = ReadLinks(linksProperty.Value, cluster.PathOf("links"), memberIds);
        }
        else
        {
            cluster.Missing(this, "links", "an array of links, each {\"ID\", \"type\", \"interval\", \"maxloss\", \"Nodes\"}");
        }

        return id is { } clusterId && members is not null && links is not null ? new ClusterConfig(clusterId, members, links) : null;
    }

    /// <summary>Reads Members; also returns every member ID that parsed (ID to Hostname, or "" when the Hostname is bad).</summary>
    private (List<MemberConfig>? Members, Dictionary<ushort, string>? Ids) ReadMembers(JsonTreeNode node, string path)
    {
        if (node is not JsonTreeArray array)
        {
            Expected(node, path, "an array of member objects ([{\"ID\": ..., \"Hostname\": ...}, ...])");
            return (null, null);
        }

        if (array.Items.Count < 2)
        {
            Error(node, path, $"expected at least two members (a cluster joins two or more nodes), got {array.Items.Count}");
        }

        var members = new List<MemberConfig>();
        var seenIds = new Dictionary<ushort, string>();
        var seenHostnames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var idsReliable = true;
        for (var i = 0; i < array.Items.Count; i++)
        {
            var memberPath = JsonPathText.Index(path, i);
            var member = ObjectView.Open(this, array.Items[i], memberPath, MemberShape, MemberKeys);
            if (member is null)
            {
                idsReliable = false;
                continue;
            }

            ushort? id = null;
            if (member.Get("ID") is { } idProperty)
            {
                var count = seenIds.Count;
                id = ReadUniqueId(idProperty.Value, member.PathOf("ID"), "member ID", seenIds, memberPath, "member IDs must be unique in a cluster");
                idsReliable &= id is not null && seenIds.Count > count;
            }
            else
            {
                idsReliable = false;
                member.Missing(this, "ID", "the node ID, " + IdExpectation);
            }

            string? hostname = null;
            if (member.Get("Hostname") is { } hostProperty)
            {
                hostname = ReadHostname(hostProperty.Value, member.PathOf("Hostname"));
                if (hostname is not null && !seenHostnames.TryAdd(hostname, memberPath))
                {
                    Error(hostProperty.Value, member.PathOf("Hostname"), $"duplicate Hostname {JsonTreeString.Quote(hostname)} (already used by {seenHostnames[hostname]}): Hostnames must be unique in a cluster");
                }
            }
            else
            {
                member.Missing(this, "Hostname", "the node's hostname, a non-empty string");
            }

            int priority = 0;
            if (member.Get("Priority") is { } priorityProperty)
            {
                priority = ReadInt(priorityProperty.Value, member.PathOf("Priority"), -1000, 1000, "the node's priority; higher wins a tie") ?? 0;
            }

            if (id is { } memberId && hostname is not null)
            {
                members.Add(new MemberConfig(memberId, hostname, priority));
            }
        }

        // Membership checks of link endpoints need every member ID; when one is missing, invalid or
        // duplicated, they are skipped so that one mistake gives one error, not one per link.
        if (!idsReliable)
        {
            return (members, null);
        }

        var ids = new Dictionary<ushort, string>();
        foreach (var (id, _) in seenIds)
        {
            ids[id] = members.FirstOrDefault(m => m.Id == id)?.Hostname ?? string.Empty;
        }

        return (members, ids);
    }

    private List<LinkConfig>? ReadLinks(JsonTreeNode node, string path, Dictionary<ushort, string>? memberIds)
    {
        if (node is not JsonTreeArray array)
        {
            Expected(node, path, "an array of link objects ([{\"ID\", \"type\", \"interval\", \"maxloss\", \"Nodes\"}, ...])");
            return null;
        }

        if (array.Items.Count == 0)
        {
            Error(node, path, "expected at least one link, got an empty array");
        }

        var links = new List<LinkConfig>();
        var seenIds = new Dictionary<ushort, string>();
        var ipOwners = new Dictionary<IPAddress, (ushort NodeId, string Path)>();
        for (var i = 0; i < array.Items.Count; i++)
        {
            if (ReadLink(array.Items[i], JsonPathText.Index(path, i), memberIds, seenIds, ipOwners) is { } link)
            {
                links.Add(link);
            }
        }

        return links;
    }

    private LinkConfig? ReadLink(
        JsonTreeNode node,
        string path,
        Dictionary<ushort, string>? memberIds,
        Dictionary<ushort, string> seenIds,
        Dictionary<IPAddress, (ushort NodeId, string Path)> ipOwners)
    {
        var link = ObjectView.Open(this, node, path, LinkShape, LinkKeys);
        if (link is null)
        {
            return null;
        }

        ushort? id = null;
        if (link.Get("ID") is { } idProperty)
        {
            id = ReadUniqueId(idProperty.Value, link.PathOf("ID"), "link ID", seenIds, path, "link IDs must be unique in a cluster");
        }
        else
        {
            link.Missing(this, "ID", "the link ID, " + IdExpectation);
        }

        LinkType? type = null;
        if (link.Get("type") is { } typeProperty)
        {
            type = ReadLinkType(typeProperty.Value, link.PathOf("type"));
            if (type == LinkType.Udp && _firstUdpLink is null)
            {
                _firstUdpLink = (path, typeProperty.Value);
            }
        }
        else
        {
            link.Missing(this, "type", "\"udp\" or \"icmp\"");
        }

        TimeSpan? interval = null;
        if (link.Get("interval") is { } intervalProperty)
        {
            interval = ReadInterval(intervalProperty.Value, link.PathOf("interval"));
        }
        else
        {
            link.Missing(this, "interval", "the heartbeat interval in seconds, e.g. 1 or 0.05");
        }

        int? maxLoss = null;
        if (link.Get("maxloss") is { } lossProperty)
        {
            maxLoss = ReadInt(lossProperty.Value, link.PathOf("maxloss"), 1, ConfigDefaults.MaxMaxLoss, "heartbeats lost before the link is out of service");
        }
        else
        {
            link.Missing(this, "maxloss", "the number of heartbeats that may be lost, an integer >= 1");
        }

        IPAddress? icmpIp = null;
        var icmpIpOk = true;
        JsonTreeNode? icmpIpNode = null;
        if (link.Get("ICMPIP") is { } icmpProperty)
        {
            icmpIpNode = icmpProperty.Value;
            if (type == LinkType.Udp)
            {
                icmpIpOk = false;
                Error(link.PathOf("ICMPIP"), icmpProperty.Line, icmpProperty.Column, "ICMPIP is only allowed on icmp links, and this link is udp (remove ICMPIP or set \"type\": \"icmp\")");
            }
            else
            {
                icmpIp = ReadIpv4(icmpProperty.Value, link.PathOf("ICMPIP"), icmp: true);
                icmpIpOk = icmpIp is not null;
            }
        }
        else if (type == LinkType.Icmp)
        {
            icmpIpOk = false;
            link.Missing(this, "ICMPIP", "the witness's IPv4 address, required for icmp links");
        }

        Endpoint? a = null, b = null;
        if (link.Get("Nodes") is { } nodesProperty)
        {
            (a, b) = ReadEndpoints(nodesProperty.Value, link.PathOf("Nodes"), memberIds, type == LinkType.Icmp);
        }
        else
        {
            link.Missing(this, "Nodes", "an array of exactly two endpoints, each {\"NodeID\": ..., \"IP\": ...}");
        }

        CheckEndpoints(a, b, icmpIp, icmpIpNode, link.PathOf("ICMPIP"), ipOwners);

        if (id is { } linkId && type is { } linkType && interval is { } period && maxLoss is { } loss && icmpIpOk
            && a?.Value is { } endA && b?.Value is { } endB)
        {
            return new LinkConfig(linkId, linkType, period, loss, icmpIp, endA, endB);
        }

        return null;
    }

    private void CheckEndpoints(
        Endpoint? a,
        Endpoint? b,
        IPAddress? icmpIp,
        JsonTreeNode? icmpIpNode,
        string icmpIpPath,
        Dictionary<IPAddress, (ushort NodeId, string Path)> ipOwners)
    {
        var pairValid = true;
        if (a?.NodeId is { } nodeA && b?.NodeId is { } nodeB && nodeA == nodeB && b.NodeIdNode is { } nodeIdNode)
        {
            pairValid = false;
            Error(nodeIdNode, b.NodeIdPath, $"both endpoints are node {nodeB}: a link joins two different members");
        }

        if (a?.Ip is { } ipA && b?.Ip is { } ipB && ipA.Equals(ipB) && b.IpNode is { } ipNode)
        {
            pairValid = false;
            Error(ipNode, b.IpPath, $"both endpoints use {ipB}: each end of a link needs its own address");
        }

        if (icmpIp is not null && icmpIpNode is not null)
        {
            foreach (var end in new[] { a, b })
            {
                if (end?.Ip is { } ip && ip.Equals(icmpIp))
                {
                    Error(icmpIpNode, icmpIpPath, $"ICMPIP {icmpIp} is also the address of endpoint {end.IpPath}: the witness must be a third host, not an end of the link");
                    break;
                }
            }
        }

        if (!pairValid)
        {
            return;
        }

        foreach (var end in new[] { a, b })
        {
            if (end?.Ip is not { } ip || end.NodeId is not { } nodeId || end.IpNode is not { } node)
            {
                continue;
            }

            if (ipOwners.TryGetValue(ip, out var owner))
            {
                if (owner.NodeId != nodeId)
                {
                    Error(node, end.IpPath, $"{ip} is already the address of node {owner.NodeId} at {owner.Path}: an address belongs to one member");
                }
            }
            else
            {
                ipOwners.Add(ip, (nodeId, end.IpPath));
            }
        }
    }

    private (Endpoint? A, Endpoint? B) ReadEndpoints(JsonTreeNode node, string path, Dictionary<ushort, string>? memberIds, bool icmp)
    {
        if (node is not JsonTreeArray array)
        {
            Expected(node, path, "an array of exactly two endpoints ([{\"NodeID\": ..., \"IP\": ...}, {...}])");
            return (null, null);
        }

        if (array.Items.Count != 2)
        {
            Error(node, path, $"expected exactly two endpoints (a link joins two nodes), got {array.Items.Count}");
        }

        var ends = new List<Endpoint?>();
        for (var i = 0; i < array.Items.Count; i++)
        {
            ends.Add(ReadEndpoint(array.Items[i], JsonPathText.Index(path, i), memberIds, icmp));
        }

        return array.Items.Count == 2 ? (ends[0], ends[1]) : (null, null);
    }

    private Endpoint? ReadEndpoint(JsonTreeNode node, string path, Dictionary<ushort, string>? memberIds, bool icmp)
    {
        var end = ObjectView.Open(this, node, path, EndpointShape, EndpointKeys);
        if (end is null)
        {
            return null;
        }

        var result = new Endpoint(end.PathOf("NodeID"), end.PathOf("IP"));
        if (end.Get("NodeID") is { } idProperty)
        {
            result.NodeIdNode = idProperty.Value;
            result.NodeId = ReadId(idProperty.Value, result.NodeIdPath, "member ID");
            if (result.NodeId is { } id && memberIds is not null && !memberIds.ContainsKey(id))
            {
                var known = memberIds.Count == 0 ? "none" : string.Join(", ", memberIds.Keys.Order());
                Error(idProperty.Value, result.NodeIdPath, $"NodeID {id} is not a member of this cluster (member IDs: {known})");
                result.NodeId = null;
            }
        }
        else
        {
            end.Missing(this, "NodeID", "the member ID of this end, " + IdExpectation);
        }

        if (end.Get("IP") is { } ipProperty)
        {
            result.IpNode = ipProperty.Value;
            result.Ip = ReadIpv4(ipProperty.Value, result.IpPath, icmp);
        }
        else
        {
            end.Missing(this, "IP", "the IPv4 address this node uses on the link");
        }

        return result;
    }

    private ushort? ReadUniqueId(JsonTreeNode node, string path, string what, Dictionary<ushort, string> seen, string ownerPath, string rule)
    {
        var id = ReadId(node, path, what);
        if (id is { } value && !seen.TryAdd(value, ownerPath))
        {
            Error(node, path, $"duplicate {what} {value} (already used by {seen[value]}): {rule}");
        }

        return id;
    }

    /// <summary>One end of a link as read, with the nodes to point errors at.</summary>
    private sealed class Endpoint(string nodeIdPath, string ipPath)
    {
        public string NodeIdPath { get; } = nodeIdPath;

        public string IpPath { get; } = ipPath;

        public JsonTreeNode? NodeIdNode { get; set; }

        public JsonTreeNode? IpNode { get; set; }

        public ushort? NodeId { get; set; }

        public IPAddress? Ip { get; set; }

        public LinkEndpoint? Value => NodeId is { } id && Ip is { } ip ? new LinkEndpoint(id, ip) : null;
    }
}
