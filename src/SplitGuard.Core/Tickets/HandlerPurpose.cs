namespace SplitGuard.Core.Tickets;

/// <summary>Why the before-acquire-handler runs: before an acquisition (election) or before a renewal.</summary>
public enum HandlerPurpose
{
    Acquire,
    Renew,
}
