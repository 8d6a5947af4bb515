using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SplitGuard.Lab.Tests.Packaging;

/// <summary>
/// The .deb (issue 14), installed on this machine as an administrator would: <c>dpkg -i</c>, the installed binary run
/// with no .NET reachable (<c>--version</c>, <c>keygen</c>, <c>config check</c>, and a daemon started the way systemd
/// starts it: <c>NOTIFY_SOCKET</c> on a test socket that must receive READY=1 and WATCHDOG=1, <c>WATCHDOG_USEC</c>),
/// <c>systemd-analyze verify</c> on the installed unit, lintian, then <c>dpkg -r</c> and <c>dpkg -P</c> leave nothing.
/// The package comes from test.sh's native tier (<c>packaging/native.sh</c>, <c>packaging/deb.sh</c>) in
/// <c>SPLITGUARD_DEB</c>; without it the test fails and says so (the plain lab tier leaves this class out).
/// </summary>
[Collection(LabDaemonCollection.Name)]
public sealed class DebPackageTests(ITestOutputHelper output) : IDisposable
{
    private const string Binary = "/usr/sbin/splitguard";
    private readonly string _dir = Path.Combine(LabPaths.WorkRoot, "deb-" + Guid.NewGuid().ToString("N")[..8]);
    private bool _installed;

    /// <summary>No .NET anywhere the binary could look: a PATH without dotnet, DOTNET_ROOT pointing nowhere.</summary>
    private static readonly Dictionary<string, string> NoDotnet = new()
    {
        ["PATH"] = "/usr/sbin:/sbin",
        ["DOTNET_ROOT"] = "/nonexistent",
        ["DOTNET_HOST_PATH"] = string.Empty,
    };

    private static Task<ProcessResult> Run(string file, params string[] args) => ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(120));

    [Fact]
    public async Task The_deb_installs_runs_without_dotnet_under_a_systemd_like_start_and_purges_clean()
    {
        var deb = Environment.GetEnvironmentVariable("SPLITGUARD_DEB");
        Assert.True(!string.IsNullOrEmpty(deb) && File.Exists(deb),
            $"SPLITGUARD_DEB names no .deb ({deb ?? "unset"}): this test runs in test.sh's native tier, which builds it with packaging/native.sh and packaging/deb.sh");
        LabRequirements.Ensure();
        Directory.CreateDirectory(_dir);
        Assert.False(File.Exists(Binary), $"{Binary} exists before the test: another splitguard is installed here; refusing to replace it");

        var install = await Run("dpkg", "-i", deb!);
        _installed = true;
        Assert.True(install.Succeeded, install.Describe());
        foreach (var path in new[]
        {
            Binary, "/usr/lib/ocf/resource.d/splitguard/vip", "/lib/systemd/system/splitguard.service",
            "/etc/splitguard/splitguard.json.example", "/usr/share/man/man8/splitguard.8.gz", "/usr/share/man/man5/splitguard.json.5.gz",
            "/usr/share/bash-completion/completions/splitguard", "/usr/share/doc/splitguard/copyright",
        })
        {
            Assert.True(File.Exists(path), $"{path} is not installed");
        }

        Assert.True(Directory.Exists("/var/lib/splitguard"), "/var/lib/splitguard is not created");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode("/etc/splitguard/authkey"));
        var ldd = await Run("ldd", Binary);
        Assert.DoesNotContain("dotnet", ldd.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not found", ldd.Stdout, StringComparison.Ordinal);

        var version = await ProcessRunner.RunAsync(Binary, ["--version"], TimeSpan.FromSeconds(30), NoDotnet);
        Assert.True(version.Succeeded && version.Stdout.StartsWith("1.", StringComparison.Ordinal), version.Describe());
        var key = Path.Combine(_dir, "keys", "authkey");
        var keygen = await ProcessRunner.RunAsync(Binary, ["keygen", key], TimeSpan.FromSeconds(30), NoDotnet);
        Assert.True(keygen.Succeeded && File.Exists(key), keygen.Describe());
        var example = await ProcessRunner.RunAsync(Binary, ["config", "check", "/etc/splitguard/splitguard.json.example"], TimeSpan.FromSeconds(30), NoDotnet);
        Assert.True(example.Succeeded, "the packaged example config does not check: " + example.Describe());

        await StartLikeSystemdAsync(key);

        var verify = await Run("/usr/bin/systemd-analyze", "verify", "/lib/systemd/system/splitguard.service");
        Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, verify.Describe());
        if (LabRequirements.FindTool("lintian") is { } lintian)
        {
            var lint = await Run(lintian, "--fail-on", "error", deb!);
            output.WriteLine(lint.Stdout + lint.Stderr);
            Assert.True(lint.Succeeded, "lintian reports errors: " + lint.Describe());
        }
        else
        {
            output.WriteLine("lintian is not installed (lab/setup.sh installs it where Debian serves it): not run");
        }

        var remove = await Run("dpkg", "-r", "splitguard");
        Assert.True(remove.Succeeded, remove.Describe());
        Assert.False(File.Exists(Binary), "dpkg -r left the binary");
        Assert.True(File.Exists("/etc/splitguard/authkey"), "dpkg -r removed the key (only a purge may)");
        var purge = await Run("dpkg", "-P", "splitguard");
        _installed = false;
        Assert.True(purge.Succeeded, purge.Describe());
        foreach (var left in new[] { "/etc/splitguard", "/var/lib/splitguard", "/usr/lib/ocf/resource.d/splitguard" })
        {
            Assert.False(Directory.Exists(left), $"dpkg -P left {left}");
        }
    }

    /// <summary>
    /// The installed daemon as systemd starts it (Type=notify, WatchdogSec): one node of a two-node loopback cluster,
    /// foreground, NOTIFY_SOCKET a datagram socket here; READY=1 first, WATCHDOG=1 within the period, and SIGTERM
    /// gives STOPPING=1 and exit 0.
    /// </summary>
    private async Task StartLikeSystemdAsync(string key)
    {
        var config = Path.Combine(_dir, "splitguard.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              // as an administrator would write it: comments are allowed
              "Cluster": [{"ID": 1, "Members": [{"ID": 1, "Hostname": "n1"}, {"ID": 2, "Hostname": "n2"}],
                "links": [{"ID": 1, "type": "udp", "interval": 0.1, "maxloss": 5,
                  "Nodes": [{"NodeID": 1, "IP": "127.0.0.61"}, {"NodeID": 2, "IP": "127.0.0.62"}]}]}],
              "System": {"udp_port": 15461},
              "Auth": {"key_file": "{{key}}"},
              "Logging": {"logfile": "{{_dir}}/splitguard.log"},
              "api": {"socket": "{{_dir}}/api.sock"},
              "Daemon": {"pid_file": "{{_dir}}/splitguard.pid", "control_socket": "{{_dir}}/control.sock", "state_dir": "{{_dir}}/state"}
            }
            """);
        var notifyPath = Path.Combine(_dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "daemon", "--foreground", "--config", config, "--node", "n1" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in NoDotnet)
        {
            start.Environment[k] = v;
        }

        start.Environment["NOTIFY_SOCKET"] = notifyPath;
        start.Environment["WATCHDOG_USEC"] = "1000000";
        using var daemon = Process.Start(start)!;
        var stderr = daemon.StandardError.ReadToEndAsync();
        try
        {
            var messages = new List<string>();
            var watch = Stopwatch.StartNew();
            var buffer = new byte[4096];
            notify.ReceiveTimeout = 1000;
            while (watch.Elapsed < TimeSpan.FromSeconds(30) && !(messages.Any(m => m.Contains("READY=1", StringComparison.Ordinal))
                       && messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) >= 2))
            {
                if (daemon.HasExited)
                {
                    Assert.Fail($"the installed daemon exited ({daemon.ExitCode}): {await stderr}");
                }

                try
                {
                    messages.Add(Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                }
            }

            output.WriteLine(string.Join(" | ", messages));
            Assert.True(messages.Count > 0 && messages[0].StartsWith("READY=1", StringComparison.Ordinal), $"no READY=1 first: {string.Join(" | ", messages)}");
            Assert.True(messages.Count(m => m == "WATCHDOG=1") >= 2, $"fewer than two WATCHDOG=1 within 30 s: {string.Join(" | ", messages)}");

            var term = await Run("kill", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(term.Succeeded, term.Describe());
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await daemon.WaitForExitAsync(exited.Token);
            Assert.True(daemon.ExitCode == 0, $"SIGTERM: exit code {daemon.ExitCode}: {await stderr}");
            var rest = new List<string>();
            notify.ReceiveTimeout = 100;
            try
            {
                while (true)
                {
                    rest.Add(Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }

            Assert.Contains("STOPPING=1", rest);
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill();
            }

            await daemon.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        if (_installed)
        {
            ProcessRunner.RunAsync("dpkg", ["-P", "splitguard"], TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
        }

        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
