namespace SplitGuard.Core.Config;

/// <summary>booth's ticket <c>mode</c>: automatic (elections, expiry) or manual (granted by an operator, never expires).</summary>
public enum BoothTicketMode
{
    Auto,
    Manual,
}
