using System.Text.Json.Nodes;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// Operator commands reach the running daemon while its config file is being edited: they read only
/// <c>Daemon.control_socket</c> (issue 13), and every one takes <c>--control-socket</c>. The real CLI in n1's namespace.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class OperatorCommandTests(LabClusterFixture fixture) : IClassFixture<LabClusterFixture>
{
    [Fact]
    public async Task A_command_reaches_the_daemon_although_the_rest_of_the_config_is_broken()
    {
        var cluster = fixture.Cluster;
        var config = JsonNode.Parse(await File.ReadAllTextAsync(cluster.ConfigPath))!.AsObject();
        // Mid-edit: a link's interval is not a number yet.
        config["Cluster"]![0]!["links"]![0]!["interval"] = "fast";
        var broken = Path.Combine(cluster.Lab.WorkDir, "editing.json");
        await File.WriteAllTextAsync(broken, config.ToJsonString());
        var ns = cluster.Daemon("n1").Namespace;

        var check = await SplitGuardProcess.RunCliAsync(ns, ["config", "check", broken]);
        Assert.True(check.ExitCode != 0, $"the broken file passed config check: {check.Describe()}");

        var online = await SplitGuardProcess.RunCliAsync(ns, ["online", "--config", broken, "--node", "n1"]);
        AssertDaemonAnswered(online);
    }

    [Fact]
    public async Task Every_operator_command_takes_the_control_socket_without_a_config()
    {
        var cluster = fixture.Cluster;
        var ns = cluster.Daemon("n1").Namespace;

        var online = await SplitGuardProcess.RunCliAsync(ns, ["online", "--control-socket", cluster.ControlSocket("n1"), "--config", "/nonexistent/splitguard.json"]);
        AssertDaemonAnswered(online);

        var missing = await SplitGuardProcess.RunCliAsync(ns, ["online", "--control-socket", Path.Combine(cluster.Lab.WorkDir, "nobody.sock")]);
        Assert.True(missing.ExitCode == 3, missing.Describe()); // unreachable
    }

    [Fact]
    public async Task Status_check_speaks_the_monitoring_plugin_format_and_its_exit_codes()
    {
        var cluster = fixture.Cluster;
        await cluster.HealAndWaitAsync();
        var ns = cluster.Daemon("n1").Namespace;

        var ok = await SplitGuardProcess.RunCliAsync(ns, ["status", "--check", "--control-socket", cluster.ControlSocket("n1")]);
        Assert.True(ok.ExitCode == 0 && ok.Stdout.StartsWith("SPLITGUARD OK - node n1 ONLINE", StringComparison.Ordinal)
            && ok.Stdout.Contains("| links_in_service=", StringComparison.Ordinal), ok.Describe());

        var unknown = await SplitGuardProcess.RunCliAsync(ns, ["status", "--check", "--control-socket", Path.Combine(cluster.Lab.WorkDir, "nobody.sock")]);
        Assert.True(unknown.ExitCode == 3 && unknown.Stdout.StartsWith("SPLITGUARD UNKNOWN - cannot ask the daemon", StringComparison.Ordinal), unknown.Describe());
    }

    [Fact]
    public async Task Json_output_of_config_check_and_of_an_operator_command_parses()
    {
        var cluster = fixture.Cluster;
        var ns = cluster.Daemon("n1").Namespace;

        var check = await SplitGuardProcess.RunCliAsync(ns, ["config", "check", "--json", cluster.ConfigPath]);
        Assert.True(check.ExitCode == 0, check.Describe());
        var report = JsonNode.Parse(check.Stdout)!.AsObject();
        Assert.True(report["valid"]!.GetValue<bool>());
        Assert.Empty(report["errors"]!.AsArray());
        Assert.NotEmpty(report["summary"]!.AsArray());

        var online = await SplitGuardProcess.RunCliAsync(ns, ["online", "--json", "--control-socket", cluster.ControlSocket("n1")]);
        AssertDaemonAnswered(online);
        var reload = await SplitGuardProcess.RunCliAsync(ns, ["reload", "--json", "--control-socket", cluster.ControlSocket("n1")]);
        Assert.True(reload.ExitCode == 0, reload.Describe());
        Assert.True(JsonNode.Parse(reload.Stdout)!["ok"]!.GetValue<bool>(), reload.Stdout);
    }

    /// <summary>The daemon itself answered: this lab runs no resources, so it refuses `online` with its own message (exit 1).</summary>
    private static void AssertDaemonAnswered(ProcessResult result)
    {
        Assert.True(result.ExitCode == 1 && result.Stderr.Contains("this node runs no resources", StringComparison.Ordinal), result.Describe());
    }
}
