using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// `splitguard config check` runs the daemon's own checks (issue 13): a file with errors in Resources and a section
/// this version does not build was "valid" for config check while the daemon refused it. The real CLI, twice, on one
/// file; nothing is started (the daemon refuses before it binds anything).
/// </summary>
public sealed class ConfigCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sgcfg-").FullName;

    private const string Broken = """
        {
          "System": {"udp_port": 5405},
          "Cluster": [
            {
              "ID": 1,
              "Members": [{"ID": 1, "Hostname": "a"}, {"ID": 2, "Hostname": "b"}],
              "links": [
                {"ID": 1, "type": "udp", "interval": 0.05, "maxloss": 5,
                 "Nodes": [{"NodeID": 1, "IP": "127.0.0.1"}, {"NodeID": 2, "IP": "127.0.0.2"}]}
              ]
            }
          ],
          "Resources": [
            {"name": "vip", "agent": "ocf:heartbeat", "params": {"ip": "10.0.0.10"}},
            {"name": 7, "agent": "lsb:nginx"},
            {"name": "web", "agent": "lsb:nginx", "timeouts": {"stop": "soon"}}
          ],
          "Web": {"listen": "127.0.0.1:8080"}
        }
        """;

    [Fact]
    public async Task Config_check_and_the_daemon_report_the_same_errors()
    {
        var path = Path.Combine(_dir, "broken.json");
        await File.WriteAllTextAsync(path, Broken);

        var check = await Cli(["config", "check", path]);
        var daemon = await Cli(["daemon", "--foreground", "--config", path, "--node", "a"]);

        Assert.True(check.ExitCode == 1, check.Describe());
        Assert.True(daemon.ExitCode == 2, daemon.Describe());
        var fromCheck = ErrorLines(check.Stderr, path);
        var fromDaemon = ErrorLines(daemon.Stderr, path);
        Assert.True(fromCheck.Count >= 4, $"expected the three Resources errors and the Web section: {check.Describe()}");
        Assert.Contains(fromCheck, l => l.Contains("$.Web", StringComparison.Ordinal));
        Assert.Equal(fromCheck, fromDaemon);
    }

    private static Task<ProcessResult> Cli(IEnumerable<string> arguments) =>
        ProcessRunner.RunAsync(LabPaths.SplitGuardCommand[0], [.. LabPaths.SplitGuardCommand.Skip(1), .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>The "FILE:LINE:COL: $.path: message" lines (and other lines naming the file with a JSON path).</summary>
    private static List<string> ErrorLines(string stderr, string path) =>
        stderr.Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith(path + ":", StringComparison.Ordinal) && l.Contains("$.", StringComparison.Ordinal)).ToList();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
