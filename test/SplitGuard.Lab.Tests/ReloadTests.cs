using System.Net.Sockets;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// Reload (issue 13) on real daemons: SIGHUP and <c>splitguard reload</c> re-read the config file through the start's
/// checks. An invalid file changes nothing and says why (1011); a valid one applies the log level at once (1010) and
/// names what needs a restart (1012). Heartbeats go on through it: no link goes out of service. SIGHUP used to kill
/// the daemon (exit 129) without stopping its resources.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class ReloadTests(LabClusterFixture fixture) : IClassFixture<LabClusterFixture>
{
    [Fact]
    public async Task Sighup_with_a_broken_file_changes_nothing_and_reload_applies_the_log_level_and_names_what_needs_a_restart()
    {
        var cluster = fixture.Cluster;
        var daemon = cluster.Daemon("n1");

        // Steady state first: every link in service and the heartbeat threads past their start-up warm-up (1005).
        await cluster.HealAndWaitAsync();
        await Polling.WaitUntilAsync(() => LabCluster.NodeNames.All(n => cluster.LogEvents(n, DateTimeOffset.MinValue, 1005).Count > 0), TimeSpan.FromSeconds(10), "both daemons under SCHED_RR");
        var since = DateTimeOffset.UtcNow;
        var original = await File.ReadAllTextAsync(cluster.ConfigPath);
        Assert.Contains("\"level\": \"INFO\"", original, StringComparison.Ordinal);
        try
        {
            // 1. A broken file: refused with the error and its position; the daemon runs on.
            await File.WriteAllTextAsync(cluster.ConfigPath, original.Replace("\"level\": \"INFO\"", "\"level\": \"LOUD\"", StringComparison.Ordinal));
            Assert.True(NativeSignals.Send(daemon.Pid, NativeSignals.SigHup), "SIGHUP could not be sent");
            await Polling.WaitUntilAsync(() => cluster.LogEvents("n1", since, 1011).Count > 0, TimeSpan.FromSeconds(10), "event 1011 (reload refused) in n1's log");
            var refused = Assert.Single(cluster.LogEvents("n1", since, 1011));
            Assert.Contains("$.Logging.level", refused.Text, StringComparison.Ordinal);
            Assert.Empty(cluster.LogEvents("n1", since, 1010));
            Assert.False(daemon.HasExited, "the daemon exited on SIGHUP");

            var cli = await SplitGuardProcess.RunCliAsync(cluster.Lab.NamespaceOf("n1"), ["reload", "--control-socket", cluster.ControlSocket("n1")]);
            Assert.Equal(1, cli.ExitCode);
            Assert.Contains("reload refused, nothing changed", cli.Stderr, StringComparison.Ordinal);

            // 2. The level at DEBUG and a link interval changed: the level applies, the interval waits for a restart.
            Assert.Empty(cluster.LogEvents("n1", DateTimeOffset.MinValue, 1317));
            var changed = original.Replace("\"level\": \"INFO\"", "\"level\": \"DEBUG\"", StringComparison.Ordinal)
                .Replace("\"maxloss\": 5", "\"maxloss\": 6", StringComparison.Ordinal);
            Assert.Contains("\"maxloss\": 6", changed, StringComparison.Ordinal);
            await File.WriteAllTextAsync(cluster.ConfigPath, changed);
            var reloadFrom = DateTimeOffset.UtcNow.AddMilliseconds(-50);
            cli = await SplitGuardProcess.RunCliAsync(cluster.Lab.NamespaceOf("n1"), ["reload", "--control-socket", cluster.ControlSocket("n1")]);
            Assert.True(cli.ExitCode == 0, $"reload: exit {cli.ExitCode}: {cli.Stdout} {cli.Stderr}");
            Assert.Contains("applied $.Logging.level", cli.Stdout, StringComparison.Ordinal);
            Assert.Contains("take effect when the daemon restarts: $.Cluster", cli.Stdout, StringComparison.Ordinal);
            Assert.Single(cluster.LogEvents("n1", reloadFrom, 1010));
            Assert.Contains("$.Cluster", Assert.Single(cluster.LogEvents("n1", reloadFrom, 1012)).Text, StringComparison.Ordinal);

            // DEBUG is in force: an sbp API client that connects and leaves is logged (1317), which INFO does not show.
            using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await client.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(cluster.Lab.WorkDir, "n1-api.sock")));
            }

            await Polling.WaitUntilAsync(() => cluster.LogEvents("n1", reloadFrom, 1317).Count > 0, TimeSpan.FromSeconds(10), "event 1317 (debug) after the reload to DEBUG");

            // Heartbeats went on through both reloads: no link or path went out of service on either node.
            foreach (var node in LabCluster.NodeNames)
            {
                Assert.Empty(cluster.LogEvents(node, since, 1100, 1102));
            }

            Assert.False(daemon.HasExited);

            // The foreground stderr (what journald gets under systemd) carries the event ids too.
            var stderr = await File.ReadAllTextAsync(daemon.OutputPath);
            Assert.Contains("ERR [1011] reload (SIGHUP) refused", stderr, StringComparison.Ordinal);
            Assert.Contains("INF [1010] reload (command)", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllTextAsync(cluster.ConfigPath, original);
        }
    }
}
