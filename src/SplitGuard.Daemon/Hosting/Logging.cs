using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using SplitGuard.Core.Config;

namespace SplitGuard.Daemon.Hosting;

/// <summary>
/// Logging per sbp's <c>Logging</c> object: a size-rotated file, plus stderr in the foreground; under systemd with the
/// journal, native journal entries instead of stderr and no file unless <c>Logging.logfile</c> is set.
/// </summary>
public static class Logging
{
    /// <summary>sbp's level names (DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL) as Serilog levels.</summary>
    public static LogEventLevel LevelOf(string level) => level.ToUpperInvariant() switch
    {
        "DEBUG" => LogEventLevel.Debug,
        "INFO" or "NOTICE" => LogEventLevel.Information,
        "WARNING" => LogEventLevel.Warning,
        "ERROR" => LogEventLevel.Error,
        "CRITICAL" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    /// <summary>
    /// The daemon's loggers; their minimum level follows <paramref name="level"/> (reload sets it), starting at
    /// <c>Logging.level</c>. <paramref name="logFile"/> null: no file (the journal keeps the log). <paramref name="journal"/>:
    /// the foreground output goes to journald's native socket (<see cref="JournalSink"/>).
    /// </summary>
    public static ILoggerFactory Create(LoggingConfig config, string? logFile, bool foreground, Serilog.Core.LoggingLevelSwitch level, bool journal = false)
    {
        ArgumentNullException.ThrowIfNull(level);
        level.MinimumLevel = LevelOf(config.Level);
        var configuration = new LoggerConfiguration().MinimumLevel.ControlledBy(level);
        if (foreground)
        {
            configuration = journal ? configuration.WriteTo.Sink(new JournalSink()) : configuration.WriteTo.Sink(new StderrSink());
        }

        if (logFile is null)
        {
            return new SerilogLoggerFactory(configuration.CreateLogger(), dispose: true);
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
            using (File.AppendText(logFile))
            {
                // Opening it here turns a permission problem into a clear start error.
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonStartException($"cannot write log file {logFile}: {e.Message} (set Logging.logfile)", e);
        }

        configuration = configuration.WriteTo.File(
            logFile,
            outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}",
            fileSizeLimitBytes: (long)config.MaxFileSizeMb * 1024 * 1024,
            rollOnFileSizeLimit: true,
            retainedFileCountLimit: Math.Max(1, config.NoOfFile),
            flushToDiskInterval: TimeSpan.FromSeconds(1));
        return new SerilogLoggerFactory(configuration.CreateLogger(), dispose: true);
    }
}
