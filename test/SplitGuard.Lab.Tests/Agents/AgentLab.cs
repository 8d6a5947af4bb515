using SplitGuard.Core.Resources;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Agents;

/// <summary>Paths of the test agents in lab/agents, Debian's resource-agents, and assertions on agent results.</summary>
public static class AgentLab
{
    /// <summary>Debian's OCF root.</summary>
    public const string SystemOcfRoot = "/usr/lib/ocf";

    /// <summary>ocf:heartbeat:Dummy from resource-agents.</summary>
    public const string DummyPath = SystemOcfRoot + "/resource.d/heartbeat/Dummy";

    private static readonly Lazy<string?> ResourceAgentsProblem = new(FindResourceAgentsProblem, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>lab/agents.</summary>
    public static string AgentsDir => Path.Combine(LabPaths.LabDir, "agents");

    /// <summary>lab/agents/ocf: an OCF root whose provider "splitguard" holds the Misbehave agent.</summary>
    public static string TestOcfRoot => Path.Combine(AgentsDir, "ocf");

    /// <summary>lab/agents/init.d/splitguard-lsb-test.</summary>
    public static string LsbScript => Path.Combine(AgentsDir, "init.d", "splitguard-lsb-test");

    /// <summary>lab/agents/pha/service.sh.</summary>
    public static string PhaScript => Path.Combine(AgentsDir, "pha", "service.sh");

    /// <summary>
    /// Makes sure Debian's resource-agents is installed, running lab/setup.sh (as root) when it is not; throws
    /// <see cref="LabUnavailableException"/> saying why when it is still missing. The tests fail then, never skip.
    /// </summary>
    public static void EnsureResourceAgents()
    {
        if (ResourceAgentsProblem.Value is { } problem)
        {
            throw new LabUnavailableException(problem);
        }
    }

    /// <summary>A Misbehave resource keeping its state in <paramref name="work"/>; <paramref name="params"/> add or override parameters.</summary>
    public static ResourceConfig Misbehave(string name, string work, params (string Key, string Value)[] @params)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["state"] = Path.Combine(work, name + ".state"),
            ["pidfile"] = Path.Combine(work, name + ".pid"),
        };
        foreach (var (key, value) in @params)
        {
            all[key] = value;
        }

        return new ResourceConfig { Name = name, Agent = AgentSpec.Ocf("splitguard", "Misbehave"), Params = all };
    }

    /// <summary>Asserts the status, showing the message and the agent's output when it differs.</summary>
    public static void AssertStatus(AgentStatus expected, AgentResult result)
    {
        Assert.True(
            result.Status == expected,
            $"expected {expected}, got {result.Status}: {result.Message}{Environment.NewLine}stdout: {result.Stdout}{Environment.NewLine}stderr: {result.Stderr}");
    }

    /// <summary>The pid written to <paramref name="path"/> by a test agent.</summary>
    public static async Task<int> ReadPidAsync(string path)
    {
        await Polling.WaitUntilAsync(() => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0, TimeSpan.FromSeconds(10), $"pid in {path}");
        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Kills <paramref name="pid"/> if a test left it running.</summary>
    public static void KillIfAlive(int pid)
    {
        if (pid > 1 && NativeSignals.IsAlive(pid))
        {
            NativeSignals.Send(pid, NativeSignals.SigKill);
        }
    }

    private static string? FindResourceAgentsProblem()
    {
        if (File.Exists(DummyPath))
        {
            return null;
        }

        const string Why = "the agent tests need Debian's resource-agents (ocf:heartbeat:Dummy at " + DummyPath + ")";
        if (!OperatingSystem.IsLinux())
        {
            return $"{Why}; this is not Linux.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return $"{Why}; it is missing and this test process is not root, so lab/setup.sh cannot install it. Run `sudo lab/setup.sh`.";
        }

        var setup = ProcessRunner.Run("bash", [LabPaths.SetupScript], TimeSpan.FromMinutes(10));
        return File.Exists(DummyPath)
            ? null
            : $"{Why}; still missing after running lab/setup.sh.{Environment.NewLine}{setup.Describe()}";
    }
}
