using SplitGuard.Core.Config;
using SplitGuard.Daemon.Watchdog;
using SplitGuard.Testing;
using Xunit;

namespace SplitGuard.Core.Tests.Watchdog;

/// <summary>
/// <see cref="DeviceWatchdog"/> against a fake device: the exact syscalls for arm, pet, disarm and abandon, the timeout
/// rounding, and the errors an operator sees. No real watchdog is ever opened here.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DeviceWatchdogTests
{
    private readonly FakeWatchdogDevice _device = new();
    private readonly ListLogger _log = new();
    private readonly FakeClock _clock = new(seed: 3);

    private DeviceWatchdog Create(double seconds = 5, string device = "/dev/watchdog") =>
        new(new WatchdogConfig(device, TimeSpan.FromSeconds(seconds)), _device, _log);

    [Fact]
    public void Arming_a_kernel_watchdog_sets_its_timeout_reads_it_back_and_pets_once()
    {
        using var watchdog = Create(5);

        watchdog.Arm(_clock.Now);

        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 5", "ioctl GETTIMEOUT", "write ."], _device.Calls);
        Assert.True(watchdog.IsArmed);
        Assert.Equal(TimeSpan.FromSeconds(5), watchdog.EffectiveTimeout);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal(WatchdogState.Armed, status.State);
        Assert.Equal("character_device", status.KindName);
        Assert.Equal(1, status.Pets);
        Assert.Equal(TimeSpan.Zero, status.LastPetAge);
        Assert.Null(status.Warning);
        Assert.Equal([1410], _log.EventIds);
        Assert.Equal("watchdog /dev/watchdog armed (character_device): the node resets 5 s after the last pet", _log.Lines[0].Message);
    }

    /// <summary>Kernel watchdogs take whole seconds: a fraction is rounded up, never down, and the log says so.</summary>
    [Theory]
    [InlineData(0.05, 1)]
    [InlineData(1.0, 1)]
    [InlineData(2.5, 3)]
    [InlineData(4.001, 5)]
    public void A_fractional_timeout_is_rounded_up_for_the_kernel(double seconds, int whole)
    {
        using var watchdog = Create(seconds);

        watchdog.Arm(_clock.Now);

        Assert.Contains($"ioctl SETTIMEOUT {whole}", _device.Calls);
        Assert.Equal(TimeSpan.FromSeconds(whole), watchdog.EffectiveTimeout);
        if (whole > seconds)
        {
            Assert.EndsWith("(the configured " + seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s rounded up to whole seconds, as kernel watchdogs take them)", _log.Lines[0].Message);
        }
    }

    [Fact]
    public void A_driver_that_sets_a_shorter_timeout_is_accepted_and_reported()
    {
        _device.DriverTimeout = _ => 2;
        using var watchdog = Create(5);

        watchdog.Arm(_clock.Now);

        Assert.Equal(TimeSpan.FromSeconds(2), watchdog.EffectiveTimeout);
        Assert.Equal([1410, 1415], _log.EventIds);
        Assert.Contains("shorter than the configured 5 s", watchdog.Describe(_clock.Now).Warning, StringComparison.Ordinal);
    }

    /// <summary>A peer waits for the configured timeout rounded up; a device that would wait longer is refused, and
    /// left with the magic close so it does not reset the node after its default timeout.</summary>
    [Fact]
    public void A_driver_that_sets_a_longer_timeout_is_refused_and_closed_with_the_magic_close()
    {
        _device.DriverTimeout = _ => 8;
        using var watchdog = Create(5);

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.Equal("/dev/watchdog runs with a timeout of 8 s after WDIOC_SETTIMEOUT(5 s); more than 5 s would outlast the wait peers allow for it", e.Message);
        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 5", "ioctl GETTIMEOUT", "write V", "close"], _device.Calls);
        Assert.False(watchdog.IsArmed);
        Assert.Equal(WatchdogState.Failed, watchdog.Describe(_clock.Now).State);
        Assert.Equal(e.Message, watchdog.Describe(_clock.Now).Error);
        Assert.Equal([1413], _log.EventIds);
    }

    [Theory]
    [InlineData(2, "/dev/watchdog does not exist (no watchdog driver loaded?")]
    [InlineData(13, "permission denied opening /dev/watchdog (the daemon must run as root)")]
    [InlineData(1, "permission denied opening /dev/watchdog (the daemon must run as root)")]
    [InlineData(16, "/dev/watchdog is busy: another process holds it open (a watchdog has one user at a time")]
    [InlineData(6, "no process reads /dev/watchdog (a FIFO: is lab/watchdog-standin.py running?)")]
    [InlineData(19, "/dev/watchdog: no such device")]
    [InlineData(5, "cannot open /dev/watchdog: ")]
    public void An_open_that_fails_names_the_device_and_the_cause(int errno, string message)
    {
        _device.OpenErrno = errno;
        using var watchdog = Create();

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(errno, e.Errno);
        Assert.Equal(["open /dev/watchdog"], _device.Calls);
        Assert.Equal(WatchdogState.Failed, watchdog.Describe(_clock.Now).State);
        Assert.Equal(1413, Assert.Single(_log.Lines).EventId);
    }

    [Theory]
    [InlineData(22, "ioctl WDIOC_SETTIMEOUT(5 s) refused by /dev/watchdog: ", "(5 s is outside the driver's range)")]
    [InlineData(25, "ioctl WDIOC_SETTIMEOUT(5 s) refused by /dev/watchdog: ", "(it is not a watchdog device)")]
    public void A_refused_timeout_ioctl_is_an_error_and_the_device_is_closed_with_the_magic_close(int errno, string start, string end)
    {
        _device.SetTimeoutErrno = errno;
        using var watchdog = Create(5);

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.StartsWith(start, e.Message, StringComparison.Ordinal);
        Assert.EndsWith(end, e.Message, StringComparison.Ordinal);
        Assert.Equal(errno, e.Errno);
        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 5", "write V", "close"], _device.Calls);
        Assert.False(_device.IsOpen);
    }

    [Fact]
    public void A_failed_arm_can_be_retried()
    {
        _device.OpenErrno = 16;
        using var watchdog = Create();
        Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        _device.OpenErrno = 0;
        watchdog.Arm(_clock.Now);

        Assert.True(watchdog.IsArmed);
        Assert.Null(watchdog.Describe(_clock.Now).Error);
    }

    [Fact]
    public void Arming_twice_opens_once()
    {
        using var watchdog = Create();
        watchdog.Arm(_clock.Now);
        watchdog.Arm(_clock.Now);
        Assert.Single(_device.Calls, c => c.StartsWith("open", StringComparison.Ordinal));
    }

    /// <summary>The stand-in's FIFO takes no ioctls: none are tried, the configured fraction is kept, and the log and
    /// status say that only the stand-in resets this node.</summary>
    [Fact]
    public void A_fifo_is_the_lab_stand_in_no_ioctls_and_it_says_so()
    {
        _device.FileKind = WatchdogFileKind.Fifo;
        using var watchdog = Create(0.3, "/tmp/lab/n1/watchdog");

        watchdog.Arm(_clock.Now);

        Assert.Equal(["open /tmp/lab/n1/watchdog", "write ."], _device.Calls);
        Assert.Equal(TimeSpan.FromMilliseconds(300), watchdog.EffectiveTimeout);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal("fifo", status.KindName);
        Assert.Equal("watchdog /tmp/lab/n1/watchdog is a FIFO (the lab stand-in), not a kernel watchdog: only the stand-in resets this node", status.Warning);
        Assert.Equal([1410, 1415], _log.EventIds);
        Assert.Contains("(a FIFO: the lab stand-in, no ioctls; its timeout is the one on its command line)", _log.Lines[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regular_file_gets_no_ioctls_and_a_warning_that_nothing_resets_the_node()
    {
        _device.FileKind = WatchdogFileKind.RegularFile;
        using var watchdog = Create(1, "/tmp/wd");

        watchdog.Arm(_clock.Now);

        Assert.Equal(["open /tmp/wd", "write ."], _device.Calls);
        Assert.Contains("NOTHING resets this node", watchdog.Describe(_clock.Now).Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Something_else_than_a_device_or_fifo_is_refused()
    {
        _device.FileKind = WatchdogFileKind.Other;
        using var watchdog = Create(1, "/run/x.sock");

        var e = Assert.Throws<WatchdogException>(() => watchdog.Arm(_clock.Now));

        Assert.Equal("/run/x.sock is not a watchdog device (neither a character device nor the lab stand-in's FIFO)", e.Message);
        Assert.False(_device.IsOpen);
    }

    /// <summary>A pet writes one byte; pets closer together than a tenth of the timeout (at most 100 ms) write nothing,
    /// since the event loop calls every pass.</summary>
    [Fact]
    public void Pets_write_one_byte_each_at_most_once_per_spacing()
    {
        using var watchdog = Create(0.5);
        _device.FileKind = WatchdogFileKind.Fifo;
        watchdog.Arm(_clock.Now);
        Assert.Equal(TimeSpan.FromMilliseconds(50), DeviceWatchdog.PetSpacing(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(TimeSpan.FromMilliseconds(100), DeviceWatchdog.PetSpacing(TimeSpan.FromSeconds(5)));

        _clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(WatchdogPet.Recent, watchdog.Pet(_clock.Now));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(WatchdogPet.Written, watchdog.Pet(_clock.Now));
        Assert.Equal(WatchdogPet.Recent, watchdog.Pet(_clock.Now));
        _clock.Advance(TimeSpan.FromMilliseconds(70));
        Assert.Equal(WatchdogPet.Written, watchdog.Pet(_clock.Now));
        _clock.Advance(TimeSpan.FromMilliseconds(30));

        Assert.Equal("...", _device.Written);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal(3, status.Pets);
        Assert.Equal(TimeSpan.FromMilliseconds(30), status.LastPetAge);
    }

    [Fact]
    public void Disarm_writes_the_magic_V_then_closes()
    {
        using var watchdog = Create(5);
        watchdog.Arm(_clock.Now);
        _clock.Advance(TimeSpan.FromSeconds(1));
        watchdog.Pet(_clock.Now);

        watchdog.Disarm(_clock.Now);

        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 5", "ioctl GETTIMEOUT", "write .", "write .", "write V", "close"], _device.Calls);
        Assert.Equal("..V", _device.Written);
        Assert.False(watchdog.IsArmed);
        Assert.Equal(WatchdogState.Disarmed, watchdog.Describe(_clock.Now).State);
        Assert.Null(watchdog.Describe(_clock.Now).LastPetAge);
        Assert.Equal([1410, 1411], _log.EventIds);
        Assert.Equal(WatchdogPet.NotArmed, watchdog.Pet(_clock.Now));
    }

    [Fact]
    public void A_failed_magic_close_is_reported_as_abandoned_not_disarmed()
    {
        using var watchdog = Create(5);
        watchdog.Arm(_clock.Now);
        _device.WriteErrno = 5;

        watchdog.Disarm(_clock.Now);

        Assert.False(_device.IsOpen);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal(WatchdogState.Abandoned, status.State);
        Assert.StartsWith("magic close failed: write 'V': ", status.Error, StringComparison.Ordinal);
        Assert.Equal([1410, 1413, 1412], _log.EventIds);
    }

    /// <summary>A daemon that dies closes the device without the magic character: the device keeps counting. Abandon
    /// and a dispose without disarm do the same, so an error path never disarms by accident.</summary>
    [Fact]
    public void Abandon_closes_without_the_magic_V()
    {
        using var watchdog = Create(5);
        watchdog.Arm(_clock.Now);

        watchdog.Abandon(_clock.Now);

        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 5", "ioctl GETTIMEOUT", "write .", "close"], _device.Calls);
        Assert.DoesNotContain('V', _device.Written);
        Assert.Equal(WatchdogState.Abandoned, watchdog.Describe(_clock.Now).State);
        Assert.Equal([1410, 1412], _log.EventIds);
    }

    [Fact]
    public void Dispose_without_disarm_closes_without_the_magic_V()
    {
        var watchdog = Create(5);
        watchdog.Arm(_clock.Now);

        watchdog.Dispose();
        watchdog.Dispose();

        Assert.Equal("close", _device.Calls[^1]);
        Assert.Single(_device.Calls, c => c == "close");
        Assert.Equal(".", _device.Written);
        Assert.Contains("(disposed without a disarm)", _log.Lines[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_after_disarm_does_nothing_more()
    {
        var watchdog = Create(5);
        watchdog.Arm(_clock.Now);
        watchdog.Disarm(_clock.Now);
        var calls = _device.Calls.Count;

        watchdog.Dispose();

        Assert.Equal(calls, _device.Calls.Count);
    }

    [Fact]
    public void Rearming_after_disarm_opens_and_sets_the_timeout_again()
    {
        using var watchdog = Create(2);
        watchdog.Arm(_clock.Now);
        watchdog.Disarm(_clock.Now);
        _device.Calls.Clear();

        watchdog.Arm(_clock.Now);

        Assert.Equal(["open /dev/watchdog", "ioctl SETTIMEOUT 2", "ioctl GETTIMEOUT", "write ."], _device.Calls);
    }

    /// <summary>A failing pet (the stand-in's pipe full, a driver error) is logged once per streak, retried on every
    /// call, and its recovery is logged.</summary>
    [Fact]
    public void Failed_pets_are_logged_once_per_streak_and_retried_each_call()
    {
        using var watchdog = Create(1);
        watchdog.Arm(_clock.Now);
        _device.WriteErrno = 11;

        _clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(WatchdogPet.Failed, watchdog.Pet(_clock.Now));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(WatchdogPet.Failed, watchdog.Pet(_clock.Now));
        Assert.StartsWith("pet failed: write: ", watchdog.Describe(_clock.Now).Error, StringComparison.Ordinal);
        Assert.EndsWith("the device counts from the last pet, 0.2 s ago", watchdog.Describe(_clock.Now).Error, StringComparison.Ordinal);

        _device.WriteErrno = 0;
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(WatchdogPet.Written, watchdog.Pet(_clock.Now));

        Assert.Equal([1410, 1413, 1414], _log.EventIds);
        Assert.Null(watchdog.Describe(_clock.Now).Error);
        Assert.Equal(TimeSpan.Zero, watchdog.Describe(_clock.Now).LastPetAge);
    }

    [Fact]
    public void Nothing_is_written_before_arm()
    {
        using var watchdog = Create();
        Assert.Equal(WatchdogPet.NotArmed, watchdog.Pet(_clock.Now));
        watchdog.Disarm(_clock.Now);
        watchdog.Abandon(_clock.Now);
        Assert.Empty(_device.Calls);
        Assert.Equal(WatchdogState.Disarmed, watchdog.Describe(_clock.Now).State);
        Assert.Null(watchdog.EffectiveTimeout);
    }

    [Fact]
    public void Without_a_configured_watchdog_the_daemon_gets_one_that_warns()
    {
        var watchdog = Watchdogs.Create(null, _log, _device);

        watchdog.Arm(_clock.Now);

        Assert.Same(NoWatchdog.Instance, watchdog);
        Assert.Equal(WatchdogPet.NotArmed, watchdog.Pet(_clock.Now));
        Assert.Empty(_device.Calls);
        var status = watchdog.Describe(_clock.Now);
        Assert.Equal("none", status.StateName);
        Assert.Equal(NoWatchdog.WarningText, status.Warning);
        Assert.Equal((1415, NoWatchdog.WarningText), (_log.Lines.Single().EventId, _log.Lines.Single().Message));
    }

    [Fact]
    public void With_a_configured_watchdog_the_factory_opens_nothing_yet()
    {
        using var watchdog = Watchdogs.Create(new WatchdogConfig("/dev/watchdog0", TimeSpan.FromSeconds(3)), _log, _device);

        Assert.IsType<DeviceWatchdog>(watchdog);
        Assert.Equal("/dev/watchdog0", watchdog.Device);
        Assert.Empty(_device.Calls);
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public void The_status_json_names_state_kind_timeouts_and_the_last_pet()
    {
        using var watchdog = Create(2.5);
        watchdog.Arm(_clock.Now);
        _clock.Advance(TimeSpan.FromMilliseconds(120));

        var json = watchdog.Describe(_clock.Now).ToJson().ToJsonString();

        Assert.Equal(
            """{"device":"/dev/watchdog","state":"armed","kind":"character_device","timeout_ms":2500,"effective_timeout_ms":3000,"pets":1,"last_pet_age_ms":120,"error":null,"warning":null}""",
            json);
        Assert.Equal(
            """{"device":null,"state":"none","kind":"unknown","timeout_ms":null,"effective_timeout_ms":null,"pets":0,"last_pet_age_ms":null,"error":null,"warning":"no watchdog (Ownership.watchdog): a node whose daemon and guard are both frozen, or whose resources cannot be killed, is not reset before a peer takes over"}""",
            NoWatchdog.Instance.Describe(_clock.Now).ToJson().ToJsonString());
    }
}
