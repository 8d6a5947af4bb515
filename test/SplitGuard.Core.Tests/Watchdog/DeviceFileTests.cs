using System.Diagnostics;
using SplitGuard.Core.Config;
using SplitGuard.Daemon.Watchdog;
using SplitGuard.Testing;
using Xunit;

namespace SplitGuard.Core.Tests.Watchdog;

/// <summary>
/// <see cref="DeviceWatchdog"/> over the real syscalls (<see cref="LinuxWatchdogDevice"/>), with a regular file and a FIFO
/// in a temporary directory standing in for the device: pets arrive as bytes, a disarm as 'V'. Never a real watchdog:
/// opening one would arm it and could reset the machine running the tests.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DeviceFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("splitguard-watchdog-").FullName;
    private readonly ListLogger _log = new();
    private readonly FakeClock _clock = new(seed: 11);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DeviceWatchdog Create(string path, double seconds = 1) =>
        new(new WatchdogConfig(path, TimeSpan.FromSeconds(seconds)), LinuxWatchdogDevice.Instance, _log);

    [Fact]
    public void A_regular_file_receives_one_byte_per_pet_and_V_on_disarm()
    {
        var path = Path.Combine(_dir, "watchdog");
        File.WriteAllBytes(path, []);
        using var watchdog = Create(path);

        watchdog.Arm(_clock.Now);
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            Assert.Equal(WatchdogPet.Written, watchdog.Pet(_clock.Now));
        }

        Assert.Equal("....", File.ReadAllText(path));
        watchdog.Disarm(_clock.Now);

        Assert.Equal("....V", File.ReadAllText(path));
        Assert.Equal(WatchdogFileKind.RegularFile, watchdog.Describe(_clock.Now).Kind);
        Assert.Equal(WatchdogState.Disarmed, watchdog.Describe(_clock.Now).State);
    }

    [Fact]
    public void Abandoning_a_regular_file_leaves_no_V()
    {
        var path = Path.Combine(_dir, "watchdog");
        File.WriteAllBytes(path, []);
        using var watchdog = Create(path);

        watchdog.Arm(_clock.Now);
        watchdog.Abandon(_clock.Now);

        Assert.Equal(".", File.ReadAllText(path));
    }

    /// <summary>The lab stand-in's FIFO: no ioctls (they would fail on a FIFO), pets as bytes, 'V' last, then EOF for the
    /// reader when the daemon closes.</summary>
    [Fact]
    public async Task A_fifo_reader_sees_the_pets_and_the_magic_close()
    {
        var path = MakeFifo("wd.fifo");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Blocking open for reading, as the stand-in does; it returns once the watchdog opens the other end.
        var reader = Task.Run(
            async () =>
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
                using var memory = new MemoryStream();
                await stream.CopyToAsync(memory, cts.Token);
                return System.Text.Encoding.ASCII.GetString(memory.ToArray());
            },
            cts.Token);
        using var watchdog = Create(path, 0.2);

        await ArmWhenTheReaderIsThereAsync(watchdog, cts.Token);
        for (var i = 0; i < 2; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(50));
            Assert.Equal(WatchdogPet.Written, watchdog.Pet(_clock.Now));
        }

        watchdog.Disarm(_clock.Now);

        Assert.Equal("...V", await reader);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal(WatchdogFileKind.Fifo, status.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(200), status.ConfiguredTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(200), status.EffectiveTimeout);
        Assert.DoesNotContain(_log.Lines, l => l.Message.Contains("WDIOC", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fifo_nobody_reads_is_refused_at_once_with_the_stand_in_named()
    {
        var path = MakeFifo("lonely.fifo");
        using var watchdog = Create(path);

        var started = Stopwatch.GetTimestamp();
        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5), "the open must not wait for a reader");
        Assert.Equal($"no process reads {path} (a FIFO: is lab/watchdog-standin.py running?)", e.Message);
        Assert.Equal(6, e.Errno);
    }

    [Fact]
    public void A_missing_device_is_named()
    {
        var path = Path.Combine(_dir, "missing");
        using var watchdog = Create(path);

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.StartsWith($"{path} does not exist (no watchdog driver loaded?", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Errno);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        using var watchdog = Create(_dir);

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.Equal($"{_dir} is a directory, not a watchdog device", e.Message);
    }

    /// <summary>
    /// /dev/null is a character device that is no watchdog: the timeout ioctl is refused (ENOTTY) and named. This is the
    /// real ioctl path; /dev/null ignores the magic close written before the device is closed again.
    /// </summary>
    [Fact]
    public void A_character_device_that_is_no_watchdog_refuses_the_timeout_ioctl()
    {
        using var watchdog = Create("/dev/null", 2);

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.StartsWith("ioctl WDIOC_SETTIMEOUT(2 s) refused by /dev/null: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(errno 25) (it is not a watchdog device)", e.Message, StringComparison.Ordinal);
        Assert.Equal(25, e.Errno);
    }

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_dir, name);
        using var mkfifo = Process.Start("mkfifo", ["-m", "600", path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    private async Task ArmWhenTheReaderIsThereAsync(DeviceWatchdog watchdog, CancellationToken token)
    {
        // The reader task may not have reached its open yet: until it has, the non-blocking open fails with ENXIO.
        while (true)
        {
            try
            {
                watchdog.Arm(_clock.Now);
                return;
            }
            catch (WatchdogException e) when (e.Errno == 6)
            {
                await Task.Delay(10, token);
            }
        }
    }
}
