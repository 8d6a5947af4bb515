using System.Runtime.InteropServices;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Resources;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>
/// builtin:vip, the address the daemon manages itself by netlink, on the real kernel. The contract part works on the
/// loopback interface of the test's own namespace (127.77.77.79, which the kernel routes through lo, so nothing leaves
/// the host); the gratuitous ARP part runs the runner on a thread moved into node n1 of a namespace lab (setns) and
/// watches node n2's neighbour table and an nftables ARP counter there. Needs root.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class BuiltinVipTests : IDisposable
{
    private const string LoopbackIp = "127.77.77.79";
    private readonly BuiltinVipRunner _runner = new();

    private static ResourceConfig Loopback(params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = LoopbackIp };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return new ResourceConfig { Name = "builtin-vip", Agent = AgentSpec.Builtin("vip"), Params = values };
    }

    [Fact]
    public async Task Follows_the_agent_contract_on_loopback()
    {
        var vip = Loopback();
        try
        {
            AgentLab.AssertStatus(AgentStatus.NotRunning, _runner.Run(vip, AgentAction.Monitor));
            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Stop));

            var start = _runner.Run(vip, AgentAction.Start);
            AgentLab.AssertStatus(AgentStatus.Ok, start);
            Assert.Null(start.ExitCode);
            Assert.Contains($"{LoopbackIp}/32 added to lo", start.Message, StringComparison.Ordinal);
            Assert.Contains($"inet {LoopbackIp}/32", await AddressesAsync(), StringComparison.Ordinal);
            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Monitor));
            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Start));

            var stop = _runner.Run(vip, AgentAction.Stop);
            AgentLab.AssertStatus(AgentStatus.Ok, stop);
            Assert.Contains($"removed {LoopbackIp}/32 dev lo", stop.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(LoopbackIp, await AddressesAsync(), StringComparison.Ordinal);
            AgentLab.AssertStatus(AgentStatus.NotRunning, _runner.Run(vip, AgentAction.Monitor));
            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Stop));
            AgentLab.AssertStatus(AgentStatus.Unimplemented, _runner.Run(vip, AgentAction.MetaData));
        }
        finally
        {
            await ProcessRunner.RunAsync("ip", ["address", "del", LoopbackIp + "/32", "dev", "lo"], TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Stops_an_address_someone_else_added_with_its_own_prefix_and_the_hard_kill_removes_it_too()
    {
        var vip = Loopback(("cidr_netmask", "32"));
        try
        {
            var added = await ProcessRunner.RunAsync("ip", ["address", "add", LoopbackIp + "/30", "dev", "lo"], TimeSpan.FromSeconds(10));
            Assert.True(added.Succeeded, added.Describe());
            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Monitor));

            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Stop));
            Assert.DoesNotContain(LoopbackIp, await AddressesAsync(), StringComparison.Ordinal);

            AgentLab.AssertStatus(AgentStatus.Ok, _runner.Run(vip, AgentAction.Start));
            Assert.True(AddressRemoval.IsAddressResource(vip));
            var (removed, problem) = AddressRemoval.Remove(vip);
            Assert.Null(problem);
            Assert.Equal([$"{LoopbackIp}/32 dev lo"], removed);
            AgentLab.AssertStatus(AgentStatus.NotRunning, _runner.Run(vip, AgentAction.Monitor));
        }
        finally
        {
            await ProcessRunner.RunAsync("ip", ["address", "del", LoopbackIp + "/30", "dev", "lo"], TimeSpan.FromSeconds(10));
            await ProcessRunner.RunAsync("ip", ["address", "del", LoopbackIp + "/32", "dev", "lo"], TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [InlineData("nic", "sgnoif0", AgentStatus.NotConfigured, "no interface sgnoif0 on this node")]
    [InlineData("ip", "10.1.300.4", AgentStatus.NotConfigured, "expected an IPv4 address")]
    public void Bad_parameters_are_not_configured_and_say_why(string key, string value, AgentStatus status, string text)
    {
        var result = _runner.Run(Loopback((key, value)), AgentAction.Start);

        AgentLab.AssertStatus(status, result);
        Assert.Contains(text, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Announces_itself_to_the_neighbours_and_the_stop_ends_the_announcements()
    {
        await using var lab = await LabNetwork.CreateAsync(nodes: 2);
        var vipIp = lab.Subnet + ".200";
        var observerIf = (await lab.ExecAsync("n2", ["sh", "-c", "ls /sys/class/net | grep -v '^lo$' | head -n1"])).Stdout.Trim();
        await MustAsync(lab.ExecAsync("n2", ["sysctl", "-q", $"net.ipv4.conf.{observerIf}.arp_accept=1"]));
        await MustAsync(lab.ExecAsync("n2", ["sh", "-c",
            $"nft add table netdev sgarp && nft add chain netdev sgarp in '{{ type filter hook ingress device \"{observerIf}\" priority 0; }}' && nft add rule netdev sgarp in arp operation request counter"]));
        var mac = (await lab.ExecAsync("n1", ["cat", $"/sys/class/net/{lab.InterfaceOf("n1")}/address"])).Stdout.Trim();
        var vip = new ResourceConfig
        {
            Name = "builtin-vip-arp",
            Agent = AgentSpec.Builtin("vip"),
            Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = vipIp, ["cidr_netmask"] = "24", ["arp_count"] = "100", ["arp_interval"] = "20" },
        };

        // Without nic, an address in no subnet of the node's interfaces is refused (n1 has only lo and the lab's /24;
        // this case runs inside n1 because the test machine's own interfaces may hold any documentation subnet).
        var nowhere = vip with { Name = "builtin-vip-nowhere", Params = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = "172.31.254.77" } };
        var refused = InNamespace(lab.NamespaceOf("n1"), () => _runner.Run(nowhere, AgentAction.Start));
        AgentLab.AssertStatus(AgentStatus.NotConfigured, refused);
        Assert.Contains("no interface has an address in a subnet of 172.31.254.77: set parameter nic", refused.Message, StringComparison.Ordinal);

        var start = InNamespace(lab.NamespaceOf("n1"), () => _runner.Run(vip, AgentAction.Start));
        AgentLab.AssertStatus(AgentStatus.Ok, start);
        Assert.Contains($"{vipIp}/24 added to {lab.InterfaceOf("n1")}", start.Message, StringComparison.Ordinal);

        // The first announcement went out with the start: n2 (arp_accept 1) learned the address's MAC without asking.
        await Polling.WaitUntilAsync(async () => (await lab.ExecAsync("n2", ["ip", "neigh", "show", vipIp])).Stdout.Contains(mac, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), $"n2 learns {vipIp} at {mac} from the gratuitous ARP");
        await Polling.WaitUntilAsync(async () => await ArpCountAsync(lab) >= 3, TimeSpan.FromSeconds(5), "the later announcements arrive at n2");

        AgentLab.AssertStatus(AgentStatus.Ok, InNamespace(lab.NamespaceOf("n1"), () => _runner.Run(vip, AgentAction.Stop)));
        var atStop = await ArpCountAsync(lab);
        var sentAtStop = _runner.AnnouncementsSent;

        // 100 announcements 20 ms apart would go on for 2 s; none may follow the stop (one already in flight may land).
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.InRange(await ArpCountAsync(lab), atStop, atStop + 1);
        Assert.InRange(_runner.AnnouncementsSent, sentAtStop, sentAtStop + 1);
        Assert.DoesNotContain(vipIp, (await lab.ExecAsync("n1", ["ip", "-o", "-4", "address"])).Stdout, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public void Dispose() => _runner.Dispose();

    private static async Task<long> ArpCountAsync(LabNetwork lab)
    {
        var text = (await lab.ExecAsync("n2", ["nft", "list", "table", "netdev", "sgarp"])).Stdout;
        var at = text.IndexOf("packets ", StringComparison.Ordinal);
        return at < 0 ? -1 : long.Parse(text[(at + 8)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task MustAsync(Task<ProcessResult> run)
    {
        var result = await run;
        Assert.True(result.Succeeded, result.Describe());
    }

    private static async Task<string> AddressesAsync() =>
        (await ProcessRunner.RunAsync("ip", ["-o", "-4", "address", "show", "dev", "lo"], TimeSpan.FromSeconds(10))).Stdout;

    /// <summary>Runs <paramref name="work"/> on a thread of its own moved into network namespace <paramref name="netns"/> (setns).</summary>
    private static T InNamespace<T>(string netns, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{netns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns {netns}: errno {Marshal.GetLastWin32Error()}");
                }

                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException($"in {netns}: {failure.Message}", failure);
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int type);
}
