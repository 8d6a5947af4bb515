using Xunit;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>xunit class fixture: a <see cref="LabCluster"/> (its own lab, two daemons, a witness) per test class,
/// with the default options (interval 0.05, maxloss 5), stopped and torn down after the class.</summary>
public sealed class LabClusterFixture : IAsyncLifetime
{
    private LabCluster? _cluster;

    /// <summary>The cluster; throws if it could not start.</summary>
    public LabCluster Cluster => _cluster ?? throw new InvalidOperationException("lab cluster not started");

    public async Task InitializeAsync() => _cluster = await LabCluster.StartAsync().ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
