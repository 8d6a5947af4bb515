using System.Text.Json.Nodes;
using SplitGuard.Daemon.Api;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Reload of a running service (issue 13): `splitguard reload` on both nodes while the owner serves the client. The
/// echo resource's fail limit and monitor interval are applied at once (the status shows the new limit), a new agent
/// parameter is named as needing a restart, and nothing is stopped or started: no ownership log line, no owner change.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ResourceReloadTests(OwnershipLabFixture fixture, ITestOutputHelper output) : IClassFixture<OwnershipLabFixture>
{
    [Fact]
    public async Task Reload_applies_a_running_resources_fail_limit_and_monitor_interval_without_stopping_it_and_names_a_new_param()
    {
        var lab = fixture.Lab;
        var (owner, before) = await lab.WaitForSingleOwnerAsync(TimeSpan.FromSeconds(20));
        var original = await File.ReadAllTextAsync(lab.ConfigPath);
        var config = JsonNode.Parse(original)!.AsObject();
        var echo = config["Resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "echo")!.AsObject();
        Assert.NotEqual(7, echo["fail_count"]?.GetValue<int>());
        echo["fail_count"] = 7;
        echo["monitor_interval"] = 1.5;
        echo["params"]!["note"] = "reloaded";
        var from = UnixNs.Now();
        try
        {
            await File.WriteAllTextAsync(lab.ConfigPath, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            foreach (var node in new[] { owner, OwnershipLab.Other(owner) })
            {
                var cli = await SplitGuardProcess.RunCliAsync(lab.Lab.NamespaceOf(node), ["reload", "--control-socket", lab.ControlSocket(node)]);
                output.WriteLine($"{node}: exit {cli.ExitCode}: {cli.Stdout.Trim()} {cli.Stderr.Trim()}");
                Assert.Equal(0, cli.ExitCode);
                Assert.Contains("applied $.Resources[name=echo].monitor_interval, $.Resources[name=echo].fail_count", cli.Stdout, StringComparison.Ordinal);
                Assert.Contains("take effect when the daemon restarts: $.Resources[name=echo].params.note", cli.Stdout, StringComparison.Ordinal);

                var status = ControlClient.Send(lab.ControlSocket(node), new JsonObject { ["command"] = "status" }, TimeSpan.FromSeconds(5));
                var list = status["ownership"]!["resource_list"]!.AsArray();
                Assert.Equal(7, list.Single(r => r!["name"]!.GetValue<string>() == "echo")!["fail_limit"]!.GetValue<int>());
                Assert.NotEqual(7, list.Single(r => r!["name"]!.GetValue<string>() == "vip")!["fail_limit"]!.GetValue<int>());
            }

            // Nothing stopped or started, the owner and its term unchanged, the client served on.
            await Task.Delay(500);
            var after = await lab.StatusAllAsync();
            Assert.Empty(lab.OwnershipLog().Between(from));
            Assert.Equal(before[owner].Ownership!.Term, after[owner].Ownership!.Term);
            Assert.True(after[owner].Ownership!.Run);
            Assert.Contains(lab.Probe().Between(from), a => a.Node == owner);
            Assert.DoesNotContain(lab.Probe().Between(from), a => a.Node != owner);
        }
        finally
        {
            await File.WriteAllTextAsync(lab.ConfigPath, original);
        }
    }
}
