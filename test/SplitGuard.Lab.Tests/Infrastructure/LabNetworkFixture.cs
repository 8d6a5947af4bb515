using Xunit;

namespace SplitGuard.Lab.Tests.Infrastructure;

/// <summary>xunit class fixture: one 2-node + witness lab (its own prefix) per test class, torn down after it.</summary>
public sealed class LabNetworkFixture : IAsyncLifetime
{
    private LabNetwork? _lab;

    /// <summary>The lab; throws if initialisation failed.</summary>
    public LabNetwork Lab => _lab ?? throw new InvalidOperationException("lab not initialised");

    public async Task InitializeAsync() => _lab = await LabNetwork.CreateAsync(nodes: 2).ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}
