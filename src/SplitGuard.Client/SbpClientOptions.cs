namespace SplitGuard.Client;

/// <summary>How an <see cref="SbpClient"/> reconnects.</summary>
public sealed class SbpClientOptions
{
    /// <summary>Reconnect when the daemon is not there or closes the connection (default true). When false, the event
    /// stream ends when the connection ends, and a failed connect throws.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>First delay before reconnecting (default 100 ms); doubled after each failed attempt.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between attempts (default 5 s).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);
}
