using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// packaging/systemd/splitguard.service (issue 14) passes `systemd-analyze verify` (Debian's systemd; these machines
/// run no systemd as pid 1, so the unit is checked, not started) and keeps the settings the daemon's safety needs:
/// KillMode=process (the default would kill the guard with a dead daemon), Type=notify with --foreground, reload by
/// SIGHUP, the service watchdog, /run/splitguard kept for the guard, /var/lib/splitguard, no restart loop on a broken config.
/// </summary>
public sealed class SystemdUnitTests : IDisposable
{
    private readonly string _dir = Path.Combine(LabPaths.WorkRoot, "unit-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task The_unit_verifies_and_keeps_the_guard_alive_with_a_dead_daemon()
    {
        var unit = Path.Combine(LabPaths.RepoRoot, "packaging", "systemd", "splitguard.service");
        var text = await File.ReadAllTextAsync(unit);
        var settings = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#' && l.Contains('=', StringComparison.Ordinal)).ToList();
        Assert.Contains("KillMode=process", settings);
        Assert.Contains("Type=notify", settings);
        Assert.Contains("ExecReload=/bin/kill -HUP $MAINPID", settings);
        Assert.Contains("WatchdogSec=10s", settings);
        Assert.Contains("RuntimeDirectory=splitguard", settings);
        Assert.Contains("RuntimeDirectoryPreserve=yes", settings);
        Assert.Contains("StateDirectory=splitguard", settings);
        Assert.Contains("RestartPreventExitStatus=2 4", settings);
        var exec = Assert.Single(settings, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.StartsWith("ExecStart=/usr/sbin/splitguard daemon --foreground", exec, StringComparison.Ordinal);

        // verify also checks that ExecStart's program exists: point it at this build's.
        var analyze = "/usr/bin/systemd-analyze";
        Assert.True(File.Exists(analyze), "systemd-analyze is missing (Debian package systemd): lab/setup.sh installs it");
        Directory.CreateDirectory(_dir);
        var copy = Path.Combine(_dir, "splitguard.service");
        await File.WriteAllTextAsync(copy, text.Replace("/usr/sbin/splitguard", LabPaths.SplitGuardCommand[0], StringComparison.Ordinal));
        // verify runs `man` for every Documentation= page: give it this checkout's pages (the .deb installs them).
        foreach (var (page, section) in new[] { ("splitguard.8", "man8"), ("splitguard.json.5", "man5") })
        {
            Directory.CreateDirectory(Path.Combine(_dir, "man", section));
            File.Copy(Path.Combine(LabPaths.RepoRoot, "packaging", "man", page), Path.Combine(_dir, "man", section, page));
        }

        var result = await ProcessRunner.RunAsync(analyze, ["verify", copy], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["MANPATH"] = Path.Combine(_dir, "man") });
        Assert.True(result.ExitCode == 0 && result.Stderr.Trim().Length == 0, result.Describe());
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
