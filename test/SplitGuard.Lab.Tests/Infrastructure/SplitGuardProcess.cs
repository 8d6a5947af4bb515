using System.Text.Json;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>
/// A real SplitGuard daemon inside a lab namespace:
/// `dotnet splitguard.dll daemon --config F --node N --foreground`, output captured to a file,
/// stopped with SIGTERM then SIGKILL on dispose. <see cref="StatusAsync"/> runs
/// `splitguard status --json` in the same namespace.
/// </summary>
public sealed class SplitGuardProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultCliTimeout = TimeSpan.FromSeconds(20);

    private SplitGuardProcess(NamespaceProcess process, string configPath, string nodeId)
    {
        Process = process;
        ConfigPath = configPath;
        NodeId = nodeId;
    }

    /// <summary>The underlying process (signals, pause/resume, output).</summary>
    public NamespaceProcess Process { get; }

    /// <summary>The daemon's pid.</summary>
    public int Pid => Process.Pid;

    /// <summary>The namespace it runs in.</summary>
    public string Namespace => Process.Namespace;

    /// <summary>The --config file.</summary>
    public string ConfigPath { get; }

    /// <summary>The --node value.</summary>
    public string NodeId { get; }

    /// <summary>The file receiving its stdout and stderr.</summary>
    public string OutputPath => Process.OutputPath;

    /// <summary>True once the daemon has exited.</summary>
    public bool HasExited => Process.HasExited;

    /// <summary>Starts the daemon in <paramref name="lab"/>'s namespace of <paramref name="labNode"/>, with
    /// --node <paramref name="nodeId"/> (default: <paramref name="labNode"/>); output goes to
    /// &lt;WorkDir&gt;/splitguard-&lt;labNode&gt;.out.</summary>
    public static SplitGuardProcess Start(
        LabNetwork lab,
        string labNode,
        string configPath,
        string? nodeId = null,
        IEnumerable<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Start(
            lab.NamespaceOf(labNode),
            configPath,
            nodeId ?? labNode,
            Path.Combine(lab.WorkDir, $"splitguard-{labNode}.out"),
            extraArguments,
            environment);

    /// <summary>Starts the daemon in namespace <paramref name="netns"/>.</summary>
    public static SplitGuardProcess Start(
        string netns,
        string configPath,
        string nodeId,
        string outputPath,
        IEnumerable<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        List<string> command =
        [
            .. LabPaths.SplitGuardCommand,
            "daemon", "--config", configPath, "--node", nodeId, "--foreground",
            .. extraArguments ?? [],
        ];
        return new SplitGuardProcess(NamespaceProcess.Start(netns, command, outputPath, environment), configPath, nodeId);
    }

    /// <summary>Runs `splitguard ARGS...` to completion inside <paramref name="netns"/>.</summary>
    public static Task<ProcessResult> RunCliAsync(string netns, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(
            "ip",
            ["netns", "exec", netns, .. LabPaths.SplitGuardCommand, .. arguments],
            timeout ?? DefaultCliTimeout);

    /// <summary>`splitguard status --json --config F --node N` in <paramref name="netns"/>, parsed.
    /// Throws <see cref="InvalidOperationException"/> if the command fails or prints no JSON.</summary>
    public static async Task<JsonDocument> QueryStatusAsync(string netns, string configPath, string nodeId, TimeSpan? timeout = null)
    {
        var result = await RunCliAsync(netns, ["status", "--json", "--config", configPath, "--node", nodeId], timeout)
            .ConfigureAwait(false);
        result.EnsureSuccess();
        try
        {
            return JsonDocument.Parse(result.Stdout);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"status printed no valid JSON ({ex.Message}): {result.Describe()}", ex);
        }
    }

    /// <summary>This daemon's status (see <see cref="QueryStatusAsync"/>).</summary>
    public Task<JsonDocument> StatusAsync(TimeSpan? timeout = null) => QueryStatusAsync(Namespace, ConfigPath, NodeId, timeout);

    /// <summary>The last lines of its output, for failure messages.</summary>
    public string OutputTail(int lines = 40) => Process.OutputTail(lines);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/> (default 10 s); returns the exit code.</summary>
    public Task<int> StopAsync(TimeSpan? grace = null) => Process.StopAsync(grace);

    /// <summary>Stops the daemon.</summary>
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
