using System.Net;
using System.Net.NetworkInformation;
using SplitGuard.Core.Config;

namespace SplitGuard.Daemon.Booth;

/// <summary>
/// Which member of booth.conf this host is. A daemon needs an exact match of a local interface address (or
/// <c>--site ADDR</c>); a client takes the member sharing the longest prefix with a local address inside that
/// address's subnet, as booth's client does.
/// </summary>
public static class BoothLocalMember
{
    /// <summary>The member for a daemon; throws <see cref="DaemonStartException"/> when none matches.</summary>
    public static BoothMember ForDaemon(BoothConfig config, string? site)
    {
        if (site is not null)
        {
            var wanted = Parse(site);
            return config.Members.FirstOrDefault(m => m.Address.Equals(wanted) || m.Text == site)
                ?? throw new DaemonStartException($"--site {site} is not a site or arbitrator of the config");
        }

        var local = LocalAddresses().Select(a => a.Address).ToList();
        return config.Members.FirstOrDefault(m => local.Any(a => a.Equals(m.Address)))
            ?? throw new DaemonStartException(
                $"no local address is a member of the config (local: {string.Join(", ", local)}); use --site ADDR");
    }

    /// <summary>The member a client speaks as (booth's fuzzy match), or null.</summary>
    public static BoothMember? ForClient(BoothConfig config)
    {
        BoothMember? best = null;
        var bestBits = -1;
        foreach (var (address, prefix) in LocalAddresses())
        {
            foreach (var m in config.Members)
            {
                if (m.Address.AddressFamily != address.AddressFamily)
                {
                    continue;
                }

                var common = CommonPrefixBits(address, m.Address);
                if (common >= prefix && common > bestBits)
                {
                    best = m;
                    bestBits = common;
                }
            }
        }

        return best;
    }

    private static IPAddress Parse(string text) =>
        IPAddress.TryParse(text, out var a) ? a : Dns.GetHostAddresses(text).FirstOrDefault()
            ?? throw new DaemonStartException($"cannot resolve {text}");

    private static IEnumerable<(IPAddress Address, int Prefix)> LocalAddresses()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var u in nic.GetIPProperties().UnicastAddresses)
            {
                yield return (u.Address, u.PrefixLength);
            }
        }
    }

    private static int CommonPrefixBits(IPAddress a, IPAddress b)
    {
        var x = a.GetAddressBytes();
        var y = b.GetAddressBytes();
        var bits = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var diff = x[i] ^ y[i];
            if (diff == 0)
            {
                bits += 8;
                continue;
            }

            bits += System.Numerics.BitOperations.LeadingZeroCount((uint)diff) - 24;
            break;
        }

        return bits;
    }
}
