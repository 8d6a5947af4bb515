namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>The machine cannot run the namespace lab; the message says why. Lab tests fail with it, never skip.</summary>
public sealed class LabUnavailableException : Exception
{
    public LabUnavailableException(string message)
        : base(message)
    {
    }
}
