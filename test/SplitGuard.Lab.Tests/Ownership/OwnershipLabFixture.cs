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

/// <summary>
/// xunit class fixture: an <see cref="OwnershipLab"/> on the robust profile of docs/ownership.md (interval 0.005 s,
/// maxloss 8, the bundled ocf:splitguard:vip agent, stop budget 0.05 s for its two resources, as the demo runs it), so
/// that its short stop budget, which the guard acts on at half, is shown safe by CI and not only by the benchmark.
/// </summary>
public sealed class RobustOwnershipLabFixture : IAsyncLifetime
{
    private OwnershipLab? _lab;

    /// <summary>The lab; throws if it could not start.</summary>
    public OwnershipLab Lab => _lab ?? throw new InvalidOperationException("robust-profile ownership lab not started");

    public async Task InitializeAsync() => _lab = await OwnershipLab.StartAsync(null, OwnershipLabProfile.Robust).ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// xunit class fixture: an <see cref="OwnershipLab"/> on the robust profile exactly as docs/ownership.md gives it
/// (interval 0.005 s, maxloss 8, builtin:vip, stop budget 0.01 s): the hard deadline 7.5 ms after the self-fence point,
/// the guard's kill from its waiting kill program; shown safe by CI and not only by the benchmark.
/// </summary>
public sealed class RobustBuiltinOwnershipLabFixture : IAsyncLifetime
{
    private OwnershipLab? _lab;

    /// <summary>The lab; throws if it could not start.</summary>
    public OwnershipLab Lab => _lab ?? throw new InvalidOperationException("robust-profile (builtin:vip) ownership lab not started");

    public async Task InitializeAsync() => _lab = await OwnershipLab.StartAsync(null, OwnershipLabProfile.RobustBuiltin).ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}
