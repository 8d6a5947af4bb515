using Xunit;

namespace SplitGuard.Lab.Tests.Ownership;

/// <summary>
/// xunit class fixture: an <see cref="OwnershipLab"/> of its own per test class (two daemons serving a VIP, a witness, a
/// client) on <see cref="Profile"/>, always stopped and torn down after the class. If the lab cannot start, the class's
/// tests fail.
/// </summary>
public abstract class ProfileOwnershipLabFixture : IAsyncLifetime
{
    private OwnershipLab? _lab;

    /// <summary>The lab; throws if it could not start.</summary>
    public OwnershipLab Lab => _lab ?? throw new InvalidOperationException($"ownership lab ({Profile}) not started");

    /// <summary>The settings the lab runs.</summary>
    protected abstract OwnershipLabProfile Profile { get; }

    public async Task InitializeAsync() => _lab = await OwnershipLab.StartAsync(null, Profile).ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The lab's usual setting (<see cref="OwnershipLabProfile.Default"/>).</summary>
public sealed class OwnershipLabFixture : ProfileOwnershipLabFixture
{
    protected override OwnershipLabProfile Profile => OwnershipLabProfile.Default;
}

/// <summary>
/// The robust profile's links with the bundled ocf:splitguard:vip agent and a stop budget of 0.05 s for its two resources
/// (as the demo ran it until 2026-12-03), so that a budget the guard acts on at half is shown safe by CI.
/// </summary>
public sealed class RobustOwnershipLabFixture : ProfileOwnershipLabFixture
{
    protected override OwnershipLabProfile Profile => OwnershipLabProfile.Robust;
}

/// <summary>
/// The robust profile exactly as docs/ownership.md gives it (interval 0.005 s, maxloss 8, builtin:vip, stop budget
/// 0.01 s): the hard deadline 7.5 ms after the self-fence point, the guard's kill from its waiting kill program; shown
/// safe by CI and not only by the benchmark.
/// </summary>
public sealed class RobustBuiltinOwnershipLabFixture : ProfileOwnershipLabFixture
{
    protected override OwnershipLabProfile Profile => OwnershipLabProfile.RobustBuiltin;
}
