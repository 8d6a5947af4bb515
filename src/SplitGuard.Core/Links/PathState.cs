namespace SplitGuard.Core.Links;

/// <summary>State of a path: all links of one type between two nodes.</summary>
public enum PathState
{
    Unknown = 0,
    InService = 1,
    OutOfService = 2,
}
