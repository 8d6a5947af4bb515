using System.Reflection;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>Where the repository, the lab scripts and the built splitguard executable are.</summary>
public static class LabPaths
{
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);

    /// <summary>The directory holding SplitGuard.slnx, searched upward from the test binaries.</summary>
    public static string RepoRoot => LazyRepoRoot.Value;

    /// <summary>lab/ in the repository.</summary>
    public static string LabDir => Path.Combine(RepoRoot, "lab");

    /// <summary>lab/net.sh.</summary>
    public static string NetScript => Path.Combine(LabDir, "net.sh");

    /// <summary>lab/setup.sh.</summary>
    public static string SetupScript => Path.Combine(LabDir, "setup.sh");

    /// <summary>.lab/ in the repository (ignored by git): per-run work directories.</summary>
    public static string WorkRoot => Path.Combine(RepoRoot, ".lab");

    /// <summary>The build configuration of this test assembly (Debug, Release).</summary>
    public static string Configuration =>
        typeof(LabPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c
            ? c
            : "Debug";

    /// <summary>The dotnet host that runs these tests (DOTNET_HOST_PATH under dotnet test), else "dotnet".</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : "dotnet";

    /// <summary>
    /// How to run `splitguard`: the native binary named by <c>SPLITGUARD_BINARY</c> (test.sh's native tier:
    /// packaging/native.sh) when set, else the dotnet host with <see cref="SplitGuardDll"/>.
    /// </summary>
    public static IReadOnlyList<string> SplitGuardCommand =>
        Environment.GetEnvironmentVariable("SPLITGUARD_BINARY") is { Length: > 0 } binary
            ? File.Exists(binary) ? [binary] : throw new FileNotFoundException($"SPLITGUARD_BINARY={binary} does not exist", binary)
            : [DotnetHost, SplitGuardDll];

    /// <summary>
    /// src/SplitGuard/bin/&lt;Configuration&gt;/net10.0/splitguard.dll, built together with this test project
    /// (ProjectReference with ReferenceOutputAssembly=false). Throws if it was not built.
    /// </summary>
    public static string SplitGuardDll
    {
        get
        {
            var bin = Path.Combine(RepoRoot, "src", "SplitGuard", "bin");
            var preferred = Path.Combine(bin, Configuration, "net10.0", "splitguard.dll");
            if (File.Exists(preferred))
            {
                return preferred;
            }

            var any = Directory.Exists(bin)
                ? Directory.GetFiles(bin, "splitguard.dll", SearchOption.AllDirectories)
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault()
                : null;
            return any ?? throw new FileNotFoundException(
                $"splitguard.dll not found at {preferred}: build the solution (or this test project, which builds src/SplitGuard) first",
                preferred);
        }
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SplitGuard.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"no directory containing SplitGuard.slnx above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}");
    }
}
