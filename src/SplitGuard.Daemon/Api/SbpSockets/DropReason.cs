namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>Why an API client connection ended.</summary>
internal enum DropReason
{
    /// <summary>The client closed its end (or the socket failed).</summary>
    Disconnected,

    /// <summary>The client did not read fast enough: its bounded queue overflowed.</summary>
    QueueFull,

    /// <summary>The client sent more bytes than the API ever expects from it.</summary>
    Garbage,

    /// <summary>The client did not send its cluster id in time.</summary>
    RegistrationTimeout,

    /// <summary>The client registered a cluster this node is not a member of.</summary>
    UnknownCluster,

    /// <summary>The server is shutting down.</summary>
    ServerStopping,
}
