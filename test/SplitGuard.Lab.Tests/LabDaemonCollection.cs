using Xunit;

namespace SplitGuard.Lab.Tests;

/// <summary>
/// The lab classes that run real daemons. They measure detection times of a few hundred milliseconds on a small
/// machine, so they run one class at a time and after every parallel test has finished (each class still builds
/// its own lab).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabDaemonCollection
{
    public const string Name = "lab daemons";
}
