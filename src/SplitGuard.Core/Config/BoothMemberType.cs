namespace SplitGuard.Core.Config;

/// <summary>A booth member's role: a site can hold tickets, an arbitrator only votes and acknowledges.</summary>
public enum BoothMemberType
{
    Site,
    Arbitrator,
}
