using System.Text.Json.Nodes;

namespace SplitGuard.Daemon.Watchdog;

/// <summary>The watchdog as <c>splitguard status</c> shows it.</summary>
/// <param name="Device">The configured device, or null without a watchdog.</param>
/// <param name="State">None, disarmed, armed, abandoned or failed.</param>
/// <param name="Kind">What the device is (kernel character device, the lab stand-in's FIFO, a regular file).</param>
/// <param name="ConfiguredTimeout">The timeout in the config, or null.</param>
/// <param name="EffectiveTimeout">The timeout the device runs with once armed (see <see cref="IWatchdog.EffectiveTimeout"/>).</param>
/// <param name="Pets">Bytes written as pets since the daemon started.</param>
/// <param name="LastPetAge">Time since the last successful pet, or null if none since the last arm.</param>
/// <param name="Error">Why the last arm or pet failed, or null.</param>
/// <param name="Warning">What an operator should know even when all works (no watchdog, a stand-in, a shorter timeout), or null.</param>
public sealed record WatchdogStatus(
    string? Device,
    WatchdogState State,
    WatchdogFileKind Kind,
    TimeSpan? ConfiguredTimeout,
    TimeSpan? EffectiveTimeout,
    long Pets,
    TimeSpan? LastPetAge,
    string? Error,
    string? Warning)
{
    /// <summary>The status-document name of <see cref="State"/>: none, disarmed, armed, abandoned, failed.</summary>
    public string StateName => State.ToString().ToLowerInvariant();

    /// <summary>The status-document name of <see cref="Kind"/>: unknown, character_device, fifo, regular_file, other.</summary>
    public string KindName => NameOf(Kind);

    /// <summary>The status-document and log name of <paramref name="kind"/>.</summary>
    public static string NameOf(WatchdogFileKind kind) => kind switch
    {
        WatchdogFileKind.CharacterDevice => "character_device",
        WatchdogFileKind.RegularFile => "regular_file",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The <c>watchdog</c> object of <c>splitguard status --json</c>: device, state, kind, timeout_ms,
    /// effective_timeout_ms, pets, last_pet_age_ms, error, warning (nulls where unknown).
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["device"] = Device,
        ["state"] = StateName,
        ["kind"] = KindName,
        ["timeout_ms"] = Milliseconds(ConfiguredTimeout),
        ["effective_timeout_ms"] = Milliseconds(EffectiveTimeout),
        ["pets"] = Pets,
        ["last_pet_age_ms"] = Milliseconds(LastPetAge),
        ["error"] = Error,
        ["warning"] = Warning,
    };

    private static double? Milliseconds(TimeSpan? span) => span is { } s ? Math.Round(s.TotalMilliseconds, 3) : null;
}
