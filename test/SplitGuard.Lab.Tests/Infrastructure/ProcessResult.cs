namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>What one finished (or timed-out) command produced.</summary>
public sealed record ProcessResult(
    string Command,
    int ExitCode,
    string Stdout,
    string Stderr,
    bool TimedOut,
    TimeSpan Elapsed)
{
    /// <summary>Exited by itself with code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>Throws <see cref="InvalidOperationException"/> with <see cref="Describe"/> unless it succeeded.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException(Describe());
        }

        return this;
    }

    /// <summary>Command, outcome and both output streams, for failure messages.</summary>
    public string Describe()
    {
        var outcome = TimedOut ? $"timed out after {Elapsed.TotalSeconds:F1} s" : $"exit code {ExitCode}";
        return $"`{Command}`: {outcome}{Environment.NewLine}stdout:{Environment.NewLine}{Stdout}{Environment.NewLine}stderr:{Environment.NewLine}{Stderr}";
    }
}
