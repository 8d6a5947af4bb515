using SplitGuard.Core.Config;

namespace SplitGuard.Core.Links;

/// <summary>A cluster this node belongs to, and which member it is there.</summary>
public sealed record ClusterMembership(ClusterConfig Cluster, ushort LocalNode);
