using System.Diagnostics;
using Xunit;

namespace SplitGuard.Client.Tests;

/// <summary>Runs the Python client's unittest suite (clients/python/tests) so CI counts it.</summary>
public sealed class PythonClientTests
{
    [Fact]
    public async Task Python_client_unit_tests_pass()
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("python3", ["-m", "unittest", "discover", "-v", "clients/python/tests"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        string output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"python3 -m unittest failed ({process.ExitCode}):\n{output}");
        Assert.Contains("OK", output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SplitGuard.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("SplitGuard.slnx not found above " + AppContext.BaseDirectory);
    }
}
