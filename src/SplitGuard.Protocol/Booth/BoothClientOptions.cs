namespace SplitGuard.Protocol.Booth;

/// <summary>Client option bits (the <c>options</c> header field of client requests).</summary>
[Flags]
public enum BoothClientOptions : uint
{
    None = 0,

    /// <summary><c>-F</c>: grant immediately, without the safety delay of the CIB commit.</summary>
    Immediate = 1,

    /// <summary><c>-w</c>: wait for the final result.</summary>
    Wait = 2,

    /// <summary><c>-C</c> (with <see cref="Wait"/>): wait for the CIB commit.</summary>
    WaitCommit = 4,
}
