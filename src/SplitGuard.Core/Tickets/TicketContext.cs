using SplitGuard.Core.Config;

namespace SplitGuard.Core.Tickets;

/// <summary>What every ticket of one member shares: the config, who this member is, and a seeded random source for
/// the election delay (seeded, so a run replays exactly).</summary>
internal sealed class TicketContext(BoothConfig config, BoothMember local, int seed)
{
    public BoothConfig Config { get; } = config;

    public BoothMember Local { get; } = local;

    public Random Random { get; } = new(seed);

    public int MemberCount => Config.Members.Count;

    public bool IsMajority(int count) => count * 2 > MemberCount;

    /// <summary>term_valid_for on the wire: whole seconds (truncated) or milliseconds. Like booth, a lease of exactly
    /// 30 s reads 29 (or 29999): the value is what is left strictly below the remaining time.</summary>
    public uint ToWire(long ms) =>
        ms <= 0 ? 0 : (uint)Math.Min(uint.MaxValue, Config.MillisecondUnits ? ms - 1 : (ms - 1) / 1000);

    /// <summary>term_valid_for from the wire, in milliseconds.</summary>
    public long FromWire(uint value) => Config.MillisecondUnits ? value : value * 1000L;

    public int? IndexOf(uint id) => Config.MemberById(id)?.Index;

    public string Name(uint id) =>
        id == Protocol.Booth.BoothMessage.NoOne ? "NONE" : Config.MemberById(id)?.Address.ToString() ?? $"0x{id:x8}";
}
