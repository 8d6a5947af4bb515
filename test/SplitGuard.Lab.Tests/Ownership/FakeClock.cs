using System.Globalization;
using SplitGuard.Lab.Tests.Infrastructure;
using Xunit;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// Wall-clock steps for FAULTS.md F13 with libfaketime, by FAULTS.md's recipe (section 2.10): each node's daemon runs with
/// LD_PRELOAD of libfaketime.so.1, FAKETIME_TIMESTAMP_FILE = a file of its own, FAKETIME_NO_CACHE=1 (the file is read on
/// every call, so a new offset takes effect at once), FAKETIME_DONT_FAKE_MONOTONIC=1 (CLOCK_MONOTONIC, hence Stopwatch,
/// stays real) and FAKETIME_FORCE_MONOTONIC_FIX=0 (without it .NET's timed waits return early). The file holds the offset
/// from the real time, "+0" at start; <see cref="SetAsync"/> replaces it atomically (write aside, rename) so libfaketime
/// never reads half a line. Children of the daemon (agents, the guard) inherit the fake clock. If libfaketime is missing,
/// lab/setup.sh installs it; if it is still missing the tests fail with the reason, never skip.
/// </summary>
public sealed class FakeClock : IDisposable
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);

    public FakeClock()
    {
        Library = FindLibrary();
        Directory = Path.Combine(Path.GetTempPath(), "splitguard-lab", "faketime-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        foreach (var node in OwnershipLab.Nodes)
        {
            File.WriteAllText(FileOf(node), "+0\n");
            _offsets[node] = 0;
        }
    }

    /// <summary>The libfaketime.so.1 preloaded into the daemons.</summary>
    public string Library { get; }

    /// <summary>Where the timestamp files are.</summary>
    public string Directory { get; }

    /// <summary>The offset (seconds from the real time) written for <paramref name="node"/>.</summary>
    public long OffsetOf(string node) => _offsets[node];

    /// <summary>The timestamp file of <paramref name="node"/>.</summary>
    public string FileOf(string node) => Path.Combine(Directory, $"faketime-{node}.rc");

    /// <summary>The environment for <paramref name="node"/>'s daemon.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentOf(string node) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["LD_PRELOAD"] = Library,
        ["FAKETIME_TIMESTAMP_FILE"] = FileOf(node),
        ["FAKETIME_NO_CACHE"] = "1",
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
    };

    /// <summary>The environments of both nodes, for <see cref="OwnershipLab.StartAsync(IReadOnlyDictionary{string, IReadOnlyDictionary{string, string}}?, OwnershipLabProfile?)"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Environments =>
        OwnershipLab.Nodes.ToDictionary(n => n, EnvironmentOf, StringComparer.Ordinal);

    /// <summary>Sets <paramref name="node"/>'s wall clock to the real time plus <paramref name="offsetSeconds"/>; returns when (unix ns, real).</summary>
    public async Task<long> SetAsync(string node, long offsetSeconds)
    {
        var temp = FileOf(node) + ".tmp";
        await File.WriteAllTextAsync(temp, offsetSeconds.ToString("+0;-0", CultureInfo.InvariantCulture) + "\n").ConfigureAwait(false);
        File.Move(temp, FileOf(node), overwrite: true);
        _offsets[node] = offsetSeconds;
        return UnixNs.Now();
    }

    /// <summary>Both clocks back to the real time.</summary>
    public async Task ResetAsync()
    {
        foreach (var node in OwnershipLab.Nodes)
        {
            await SetAsync(node, 0).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindLibrary()
    {
        static string? Find() =>
            System.IO.Directory.Exists("/usr/lib")
                ? System.IO.Directory.GetDirectories("/usr/lib")
                    .Select(d => Path.Combine(d, "faketime", "libfaketime.so.1"))
                    .FirstOrDefault(File.Exists)
                : null;

        LabRequirements.Ensure();
        if (Find() is { } found)
        {
            return found;
        }

        var setup = ProcessRunner.Run("bash", [LabPaths.SetupScript], TimeSpan.FromMinutes(10));
        return Find() ?? throw new LabUnavailableException(
            "FAULTS.md F13 needs libfaketime (/usr/lib/<arch>/faketime/libfaketime.so.1, Debian's libfaketime, installed by lab/setup.sh); " +
            $"it is still missing after running lab/setup.sh:{Environment.NewLine}{setup.Describe()}");
    }
}

/// <summary>xunit class fixture: an <see cref="OwnershipLab"/> whose two daemons run under libfaketime (<see cref="FakeClock"/>),
/// both clocks at the real time to begin with. Torn down after the class, also on failure.</summary>
public sealed class FakeClockOwnershipLabFixture : IAsyncLifetime
{
    private OwnershipLab? _lab;

    public FakeClock Clock { get; private set; } = null!;

    /// <summary>The lab; throws if it could not start.</summary>
    public OwnershipLab Lab => _lab ?? throw new InvalidOperationException("ownership lab (libfaketime) not started");

    public async Task InitializeAsync()
    {
        Clock = new FakeClock();
        _lab = await OwnershipLab.StartAsync(Clock.Environments).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_lab is not null)
            {
                await _lab.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Clock?.Dispose();
        }
    }
}
