using System.Net;
using SplitGuard.Core.Links;

namespace SplitGuard.Daemon.Net;

/// <summary>A received datagram waiting for the event loop.</summary>
public readonly record struct Inbound(Transport Transport, IPAddress Source, byte[] Data);
