using SplitGuard.Protocol.Sbp;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>An sbp message waiting for the dispatcher, numbered so a client registering meanwhile gets only later ones.</summary>
internal readonly record struct SbpPending(long Sequence, SbpMessage Message);
