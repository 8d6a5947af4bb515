using System.Text.Json;
using System.Text.Json.Nodes;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// The daemon refuses to start, with a clear message and a non-zero exit code (2: configuration or key file problem,
/// docs/operations.md), on a key file others may read and on an invalid configuration (the message names the JSON path).
/// The daemon runs in a lab namespace with the lab's addresses, as in the other lab tests.
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class StartupRefusalTests : IClassFixture<LabNetworkFixture>
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly LabNetwork _lab;
    private readonly ITestOutputHelper _output;

    public StartupRefusalTests(LabNetworkFixture fixture, ITestOutputHelper output)
    {
        _lab = fixture.Lab;
        _output = output;
    }

    [Fact]
    public async Task A_key_file_readable_by_others_mode_0644_is_refused()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_lab.WorkDir, "key0644")).FullName;
        var key = Path.Combine(dir, "authkey");
        await LabCluster.KeygenAsync(key);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var config = WriteConfig(dir, LabCluster.BuildConfig(_lab, new LabClusterOptions(), key), dir);

        var (code, output) = await RunDaemonAsync(config, dir);
        Assert.True(code != 0, $"the daemon must not run with a 0644 key file; exit {code}:{Environment.NewLine}{output}");
        Assert.Equal(2, code);
        Assert.Contains(key, output, StringComparison.Ordinal);
        Assert.Contains("644", output, StringComparison.Ordinal);
        Assert.Contains("chmod 600", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "n1-control.sock")), "no control socket may be left behind");
        Assert.False(File.Exists(Path.Combine(dir, "n1.pid")), "no pid file may be left behind");
    }

    [Fact]
    public async Task An_invalid_configuration_is_refused_with_the_json_path_of_each_error()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_lab.WorkDir, "badconfig")).FullName;
        var key = Path.Combine(dir, "authkey");
        await LabCluster.KeygenAsync(key);
        var json = LabCluster.BuildConfig(_lab, new LabClusterOptions(), key);
        var links = json["Cluster"]![0]!["links"]!.AsArray();
        links[0]!["interval"] = "50ms";
        links[1]!["maxlos"] = 5;
        var config = WriteConfig(dir, json, dir);

        var (code, output) = await RunDaemonAsync(config, dir);
        Assert.True(code != 0, $"the daemon must not run on an invalid configuration; exit {code}:{Environment.NewLine}{output}");
        Assert.Equal(2, code);
        Assert.Contains("$.Cluster[0].links[0].interval", output, StringComparison.Ordinal);
        Assert.Contains("$.Cluster[0].links[1].maxlos", output, StringComparison.Ordinal);
        Assert.Contains(config, output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "n1-control.sock")), "no control socket may be left behind");
    }

    private static string WriteConfig(string dir, JsonObject json, string pathsDir)
    {
        // per-test paths, so nothing is shared with another test's daemon
        json["Logging"]!["logfile"] = Path.Combine(pathsDir, "{node}.log");
        json["api"]!["socket"] = Path.Combine(pathsDir, "{node}-api.sock");
        json["Daemon"]!["pid_file"] = Path.Combine(pathsDir, "{node}.pid");
        json["Daemon"]!["control_socket"] = Path.Combine(pathsDir, "{node}-control.sock");
        json["Daemon"]!["state_dir"] = Path.Combine(pathsDir, "{node}-state");
        var path = Path.Combine(dir, "cluster.json");
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private async Task<(int Code, string Output)> RunDaemonAsync(string config, string dir)
    {
        await using var daemon = SplitGuardProcess.Start(_lab.NamespaceOf("n1"), config, "n1", Path.Combine(dir, "daemon.out"));
        var code = await daemon.Process.WaitForExitAsync(ExitTimeout);
        var output = daemon.Process.ReadOutput();
        _output.WriteLine($"exit {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (still running)"}; output:{Environment.NewLine}{output}");
        Assert.True(code is not null, $"the daemon did not exit within {ExitTimeout.TotalSeconds} s:{Environment.NewLine}{output}");
        return (code.Value, output);
    }
}
