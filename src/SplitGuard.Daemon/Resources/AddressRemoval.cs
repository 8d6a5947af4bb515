using System.Net;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Addresses;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// Removes the address an address resource holds (<c>builtin:vip</c>, <c>ocf:splitguard:vip</c>,
/// <c>ocf:heartbeat:IPaddr2</c>, <c>ocf:heartbeat:IPaddr</c>: param <c>ip</c>, and <c>nic</c> when given) without its
/// agent: for the hard kill, when the agent may itself be hung, and for builtin:vip's stop. The interface and prefix
/// are taken from the kernel's own address list, and the address is deleted with one RTM_DELADDR netlink message
/// (<see cref="RouteNetlink"/>): no process to start.
/// </summary>
public static class AddressRemoval
{
    /// <summary>True when <paramref name="resource"/> is an address resource whose address this class can remove.</summary>
    public static bool IsAddressResource(ResourceConfig resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var agent = resource.Agent;
        return (agent.IsBuiltinVip
                || (agent.Kind == AgentKind.Ocf
                    && ((agent.Provider == "splitguard" && agent.Name == "vip") || (agent.Provider == "heartbeat" && agent.Name is "IPaddr2" or "IPaddr"))))
            && resource.Params.ContainsKey("ip");
    }

    /// <summary>
    /// Removes the address of <paramref name="resource"/> from every interface that holds it (only <c>nic</c> when
    /// given). Returns what was removed (<c>ip/prefix dev nic</c>) and what failed; nothing for other resources.
    /// </summary>
    public static (IReadOnlyList<string> Removed, string? Problem) Remove(ResourceConfig resource)
    {
        if (!IsAddressResource(resource) || VipParams.ParseIPv4(resource.Params["ip"]) is not { } ip)
        {
            return ([], null);
        }

        resource.Params.TryGetValue("nic", out var nic);
        var (holders, problem) = Holders(ip, string.IsNullOrEmpty(nic) ? null : nic);
        var removed = new List<string>();
        foreach (var holder in holders)
        {
            var error = RouteNetlink.Delete(ip, holder.Prefix, holder.Index);
            if (error is null)
            {
                removed.Add($"{ip}/{holder.Prefix} dev {holder.Interface}");
            }
            else
            {
                problem = (problem is null ? string.Empty : problem + "; ") + $"{ip}/{holder.Prefix} dev {holder.Interface}: {error}";
            }
        }

        return (removed, problem);
    }

    /// <summary>The addresses equal to <paramref name="ip"/> (on <paramref name="nic"/> only when given), and a problem reading the list.</summary>
    public static (IReadOnlyList<InterfaceAddress> Holders, string? Problem) Holders(IPAddress ip, string? nic)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var (addresses, problem) = RouteNetlink.Addresses();
        return (addresses.Where(a => a.Address.Equals(ip) && (nic is null || a.Interface == nic)).ToList(),
            problem is null ? null : $"cannot list the addresses: {problem}");
    }
}
