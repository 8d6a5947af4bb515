using SplitGuard.Core.Tickets;
using Xunit;

namespace SplitGuard.Core.Tests.Tickets;

/// <summary>booth's weak replay protection, copied on purpose: older packets inside maxtimeskew still count.</summary>
public sealed class ReplayWindowTests
{
    [Fact]
    public void Newer_packets_pass_older_ones_pass_inside_the_skew_and_fail_outside()
    {
        var w = new ReplayWindow(3, 600);
        Assert.True(w.Accept(1, 1000, 5, 1000));
        Assert.True(w.Accept(1, 1000, 6, 1000));
        Assert.Equal(0, w.Older);
        Assert.True(w.Accept(1, 1000, 6, 1000)); // byte-identical replay: booth warns and processes it
        Assert.Equal(1, w.Older);
        Assert.True(w.Accept(2, 1, 0, 1000)); // first packet of another member: nothing to compare with
        Assert.False(w.Accept(1, 399, 0, 1000)); // older and outside the 600 s window
        Assert.True(w.Accept(1, 400, 0, 1000)); // at the edge
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
