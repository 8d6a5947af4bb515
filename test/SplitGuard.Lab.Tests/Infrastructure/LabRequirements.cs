namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// Checks once per test process that the lab can run: root, and ip, nft, ping and /usr/bin/python3
/// present. Missing tools are installed by running lab/setup.sh (as root). When something is still
/// missing, <see cref="Ensure"/> throws <see cref="LabUnavailableException"/> saying why: the lab tests
/// fail, under CI=true and elsewhere alike; they never pass or skip silently.
/// </summary>
public static class LabRequirements
{
    private static readonly Lazy<string?> Problem = new(FindProblem, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly string[] Tools = ["ip", "nft", "ping"];

    /// <summary>Null when the lab can run, else the reason it cannot.</summary>
    public static string? Describe() => Problem.Value;

    /// <summary>Throws <see cref="LabUnavailableException"/> unless the lab can run.</summary>
    public static void Ensure()
    {
        if (Problem.Value is { } problem)
        {
            throw new LabUnavailableException(problem);
        }
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH or in the sbin directories, or null.</summary>
    public static string? FindTool(string tool)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        return dirs.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
    }

    private static string? FindProblem()
    {
        var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true)" : string.Empty;
        const string Why = "the SplitGuard namespace lab needs root and ip, nft, ping, /usr/bin/python3";
        if (!OperatingSystem.IsLinux())
        {
            return $"Lab requirements not met{ci}: {Why}; this is not Linux.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return $"Lab requirements not met{ci}: {Why}; this test process is not root "
                + "(network namespaces, nftables and raw sockets need it). Run the tests as root.";
        }

        var setupLog = string.Empty;
        if (Missing().Count > 0)
        {
            if (!File.Exists(LabPaths.SetupScript))
            {
                return $"Lab requirements not met{ci}: {Why}; missing {string.Join(", ", Missing())} and {LabPaths.SetupScript} not found.";
            }

            var setup = ProcessRunner.Run("bash", [LabPaths.SetupScript], TimeSpan.FromMinutes(10));
            if (!setup.Succeeded)
            {
                setupLog = Environment.NewLine + setup.Describe();
            }
        }

        var missing = Missing();
        if (missing.Count > 0)
        {
            return $"Lab requirements not met{ci}: {Why}; still missing {string.Join(", ", missing)} after running lab/setup.sh.{setupLog}";
        }

        var probe = ProcessRunner.Run("ip", ["netns", "list"], TimeSpan.FromSeconds(20));
        if (!probe.Succeeded)
        {
            return $"Lab requirements not met{ci}: `ip netns list` fails here.{Environment.NewLine}{probe.Describe()}";
        }

        return null;
    }

    private static List<string> Missing()
    {
        var missing = Tools.Where(t => FindTool(t) is null).ToList();
        if (!File.Exists("/usr/bin/python3"))
        {
            missing.Add("/usr/bin/python3");
        }

        return missing;
    }
}
