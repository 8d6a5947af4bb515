using Xunit;

namespace SplitGuard.Client.Tests.Support;

/// <summary>Timing-sensitive tests run alone, not beside the other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AbuseCollection
{
    public const string Name = "abuse";
}
