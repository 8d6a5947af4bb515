namespace SplitGuard.Core.Config;

/// <summary>This node's place in one cluster: the cluster and the member this node is.</summary>
public sealed record LocalMembership(ClusterConfig Cluster, MemberConfig Local);

/// <summary>
/// Which member this node is in each cluster (<see cref="NodeIdentity.Resolve"/>), plus errors that
/// stop the daemon and notes worth logging (e.g. clusters skipped because this node is not in them).
/// </summary>
public sealed record NodeIdentityResult(
    IReadOnlyList<LocalMembership> Memberships,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when there is no error; then <see cref="Memberships"/> is not empty.</summary>
    public bool IsValid => Errors.Count == 0 && Memberships.Count > 0;

    /// <summary>The Hostname that <c>{node}</c> expands to: the local member's in the first cluster, or null.</summary>
    public string? Hostname => Memberships.Count > 0 ? Memberships[0].Local.Hostname : null;
}
