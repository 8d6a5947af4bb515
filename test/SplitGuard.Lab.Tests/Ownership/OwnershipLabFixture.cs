using Xunit;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>xunit class fixture: an <see cref="OwnershipLab"/> of its own per test class (two daemons serving a VIP,
/// a witness, a client), always stopped and torn down after the class. If the lab cannot start, the class's tests fail.</summary>
public sealed class OwnershipLabFixture : IAsyncLifetime
{
    private OwnershipLab? _lab;

    /// <summary>The lab; throws if it could not start.</summary>
    public OwnershipLab Lab => _lab ?? throw new InvalidOperationException("ownership lab not started");

    public async Task InitializeAsync() => _lab = await OwnershipLab.StartAsync().ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}
