using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// `splitguard stop --leave-running` (maintenance, pha's double-run mistake prevented): the owner's daemon leaves, its
/// virtual IP stays, and the other node does not take it over for many takeover times; the daemon started again
/// resumes its lease without stopping or restarting the address.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class MaintenanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TwoNodeVipLab? _vipLab;

    private TwoNodeVipLab VipLab => _vipLab!;

    public async Task InitializeAsync() => _vipLab = await TwoNodeVipLab.StartAsync();

    [Fact]
    public async Task Leaving_in_maintenance_keeps_the_service_where_it_is_and_the_restarted_daemon_resumes_it()
    {
        var owner = await VipLab.WaitForOwnerAsync(_ => true, TimeSpan.FromSeconds(30));
        var other = TwoNodeVipLab.Nodes.Single(n => n != owner);
        var takeoverAfter = TimeSpan.FromMilliseconds((await VipLab.OwnershipAsync(other))!["takeover_after_ms"]!.GetValue<double>());
        await Task.Delay(500);

        var fault = UnixNs.Now();
        var answer = await Task.Run(() => ControlClient.Send(Path.Combine(VipLab.Lab.WorkDir, $"{owner}-control.sock"),
            new JsonObject { ["command"] = "stop", ["leave_running"] = true }, TimeSpan.FromSeconds(5)));
        output.WriteLine($"{owner}: {answer["message"]}");
        Assert.True(answer["ok"]!.GetValue<bool>(), answer.ToJsonString());
        await Polling.WaitUntilAsync(() => VipLab.Daemon(owner).HasExited, TimeSpan.FromSeconds(10), $"{owner}'s daemon exits");

        // Ten takeover times: the other node must hold off, the address must stay on the owner.
        var watch = takeoverAfter * 10;
        var until = DateTime.UtcNow + watch;
        string why = string.Empty;
        while (DateTime.UtcNow < until)
        {
            var own = await VipLab.OwnershipAsync(other);
            Assert.False(own!["run"]!.GetValue<bool>(), $"{other} took over: {own.ToJsonString()}");
            why = own["why"]!.ToString();
            await Task.Delay(100);
        }

        Assert.True(await VipLab.HoldsVipAsync(owner), "the address stayed on the node in maintenance");
        Assert.False(await VipLab.HoldsVipAsync(other));
        output.WriteLine($"{other} held off for {watch.TotalMilliseconds:0} ms (10 x takeover_after): {why}");

        VipLab.Start(owner);
        Assert.Equal(owner, await VipLab.WaitForOwnerAsync(n => n == owner, TimeSpan.FromSeconds(20)));
        var resumed = await VipLab.OwnershipAsync(owner);
        output.WriteLine($"{owner} restarted: {resumed!["why"]}");
        var events = OwnershipHistory.Read(VipLab.OwnershipLogPath).Between(fault);
        output.WriteLine(string.Join(Environment.NewLine, events));
        output.WriteLine($"{owner}'s restarted daemon:");
        output.WriteLine(string.Join(Environment.NewLine, File.ReadLines(VipLab.Daemon(owner).OutputPath)
            .Where(l => l.Contains("ownership", StringComparison.Ordinal) || l.Contains("resource", StringComparison.OrdinalIgnoreCase)).Take(30)));
        Assert.DoesNotContain(events, e => e.What is "stop_invoke" or "start_invoke");
        Assert.True(await VipLab.HoldsVipAsync(owner));
    }

    public async Task DisposeAsync()
    {
        if (_vipLab is not null)
        {
            await _vipLab.DisposeAsync();
        }
    }
}
