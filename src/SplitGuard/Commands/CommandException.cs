namespace SplitGuard.Commands;

/// <summary>A command failed for a reason the operator can fix; the message says which.</summary>
internal sealed class CommandException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
