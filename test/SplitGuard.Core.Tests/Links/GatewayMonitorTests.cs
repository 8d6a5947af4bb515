using System.Net;
using SplitGuard.Core.Links;
using Xunit;

namespace SplitGuard.Core.Tests.Links;

/// <summary>pha's gateway ping, pure: probes every interval, lost after maxloss intervals without any answer.</summary>
public sealed class GatewayMonitorTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.9.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.9.2");
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Probes_are_due_once_per_interval_with_a_new_sequence()
    {
        var gateway = new GatewayMonitor([A, B], Ms(100), 4, Ms(0));
        var first = gateway.Due(Ms(0));
        Assert.Equal([A, B], first.Targets);
        Assert.Empty(gateway.Due(Ms(50)).Targets);
        var second = gateway.Due(Ms(100));
        Assert.Equal(2, second.Targets.Count);
        Assert.Equal(first.Sequence + 1, second.Sequence);
        Assert.Equal(Ms(200), second.Next);
    }

    [Fact]
    public void One_answering_gateway_is_enough_and_silence_past_the_detection_time_is_loss()
    {
        var gateway = new GatewayMonitor([A, B], Ms(100), 4, Ms(0));
        Assert.True(gateway.Reachable(Ms(300)), "right after start, before one detection time, they count as reachable");
        Assert.True(gateway.OnReply(B, Ms(400)));
        Assert.True(gateway.Reachable(Ms(850)));
        Assert.False(gateway.Reachable(Ms(851)));
        Assert.False(gateway.OnReply(IPAddress.Parse("10.0.9.3"), Ms(860)), "a reply from anything else does not count");
        Assert.False(gateway.Reachable(Ms(860)));
    }

    [Fact]
    public void Without_gateways_nothing_is_probed_and_nothing_is_lost()
    {
        var gateway = new GatewayMonitor([], Ms(100), 4, Ms(0));
        Assert.Empty(gateway.Due(Ms(0)).Targets);
        Assert.True(gateway.Reachable(TimeSpan.FromHours(1)));
    }
}
