using SplitGuard.Core.Tickets;
using Xunit;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>The timestamp window: newer packets pass, replays and reordered packets are dropped, stale ones refused.</summary>
public sealed class ReplayWindowTests
{
    [Fact]
    public void Newer_packets_pass_replayed_and_reordered_ones_do_not_and_stale_ones_are_refused()
    {
        var w = new ReplayWindow(3, 600);
        Assert.Equal(ReplayVerdict.Accept, w.Check(1, 1000, 5, 1000));
        Assert.Equal(ReplayVerdict.Accept, w.Check(1, 1000, 6, 1000));
        Assert.Equal(ReplayVerdict.Reordered, w.Check(1, 1000, 6, 1000)); // byte-identical replay
        Assert.Equal(ReplayVerdict.Reordered, w.Check(1, 1000, 5, 1000)); // reordered
        Assert.Equal(ReplayVerdict.Accept, w.Check(1, 1001, 0, 1000));
        Assert.Equal(ReplayVerdict.Accept, w.Check(2, 999, 0, 1000)); // members are independent
        Assert.Equal(ReplayVerdict.Stale, w.Check(0, 399, 0, 1000)); // older than maxtimeskew
        Assert.Equal(ReplayVerdict.Accept, w.Check(0, 400, 0, 1000)); // at the edge
        w.Forget(1);
        Assert.Equal(ReplayVerdict.Accept, w.Check(1, 900, 0, 1000));
    }

    [Fact]
    public void Clients_get_only_the_skew_check()
    {
        var w = new ReplayWindow(3, 600);
        Assert.True(w.AcceptClient(500, 1000));
        Assert.False(w.AcceptClient(399, 1000));
        Assert.True(w.AcceptClient(5000, 1000)); // no upper bound, as booth
    }
}
