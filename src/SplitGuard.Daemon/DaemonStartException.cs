namespace SplitGuard.Daemon;

/// <summary>The daemon cannot start; the message says why and what to do. Exit code 2 unless given.</summary>
public sealed class DaemonStartException : Exception
{
    public DaemonStartException(string message, Exception? inner = null, int exitCode = 2)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
