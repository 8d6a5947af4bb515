using SplitGuard.Core.Links;

namespace SplitGuard.Daemon.Api.SbpSockets;

/// <summary>A JSON stream event waiting for the dispatcher: a link event and when it was published, or a formatted line.</summary>
internal readonly record struct EventPending(LinkEvent? Event, DateTimeOffset Time, byte[]? Line);
