using System.Net;
using SplitGuard.Core.Config;
using SplitGuard.Core.Links;
using SplitGuard.Testing;
using Xunit;

namespace SplitGuard.Core.Tests.Links;

/// <summary>The link state machine on a fake clock and a fake network.</summary>
public sealed class LinkStateTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private const int MaxLoss = 5;

    private static bool Udp(SimNetwork.Hop hop) => hop.Transport == Transport.Udp;

    [Fact]
    public void Links_come_into_service_and_stay_there_on_a_clean_network()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Run(TimeSpan.FromSeconds(1));
        Assert.All(n1.Engine.Links.Concat(n2.Engine.Links), l => Assert.Equal(LinkState.InService, l.State));
        n1.Events.Clear();
        net.Run(TimeSpan.FromSeconds(10));
        Assert.Empty(n1.Events);
        Assert.Equal(HopState.Inactive, n1.Link(10).Hop);
        Assert.Equal(0, n1.Link(1).Lost);
        Assert.InRange(n1.Link(1).Sent, 210, 225);
    }

    [Fact]
    public void Cutting_udp_takes_the_udp_link_and_path_out_within_interval_times_maxloss_plus_one_while_icmp_stays()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        var cut = net.Clock.Now;
        net.Drops.Add(Udp);
        net.Run(TimeSpan.FromSeconds(1));

        var down = Assert.Single(n1.Events, e => e.Kind == LinkEventKind.Link);
        Assert.Equal((ushort)1, down.Link);
        Assert.False(down.InService);
        Assert.InRange(down.At - cut, Interval * (MaxLoss - 1), Interval * (MaxLoss + 1));
        var path = Assert.Single(n1.Events, e => e.Kind == LinkEventKind.Path);
        Assert.Equal(LinkType.Udp, path.Type);
        Assert.False(path.InService);
        Assert.Equal(new Protocol.Sbp.SbpMessage(Protocol.Sbp.SbpMessageType.UdpPath, 0, 1, 2, 0), path.ToSbp());
        Assert.Equal(LinkState.InService, n1.Link(10).State);
        Assert.Equal(LinkState.InService, n2.Link(10).State);
        Assert.Equal(LinkState.OutOfService, n2.Link(1).State);
    }

    [Fact]
    public void Losing_fewer_than_maxloss_frames_in_a_row_keeps_the_link_in_service_and_maxloss_takes_it_out()
    {
        var (net, n1, _) = TestClusters.Pair(TestClusters.TwoNodes(icmp: false));
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();

        int dropped = 0;
        int toDrop = MaxLoss - 1;
        net.Drops.Add(hop => hop.To == "n1" && dropped < toDrop && ++dropped > 0);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(MaxLoss - 1, dropped);
        Assert.Empty(n1.Events);
        Assert.Equal(MaxLoss - 1, n1.Link(1).Lost);

        dropped = 0;
        toDrop = MaxLoss;
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(MaxLoss, dropped);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.Link && !e.InService);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.Link && e.InService);
        Assert.Equal(LinkState.InService, n1.Link(1).State);
    }

    [Fact]
    public void A_one_way_cut_reports_one_way_on_the_side_whose_frames_are_lost()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes(icmp: false));
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        n2.Events.Clear();
        net.Drops.Add(hop => hop.From == "n1" && hop.To == "n2"); // n2 no longer hears n1
        net.Run(TimeSpan.FromSeconds(1));

        var oneWay = Assert.Single(n1.Events, e => e.Kind == LinkEventKind.OneWay);
        Assert.False(oneWay.InService);
        Assert.Equal(Protocol.Sbp.SbpMessageType.UdpOneWay, oneWay.ToSbp()!.Value.Type);
        Assert.True(n1.Link(1).OneWay);
        Assert.Equal(LinkState.OutOfService, n1.Link(1).State);
        Assert.False(n2.Link(1).OneWay);
        Assert.Equal(LinkState.OutOfService, n2.Link(1).State);
        Assert.DoesNotContain(n2.Events, e => e.Kind == LinkEventKind.OneWay);

        net.Drops.Clear();
        net.Run(TimeSpan.FromSeconds(1));
        Assert.False(n1.Link(1).OneWay);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.OneWay && e.InService);
        Assert.Equal(LinkState.InService, n1.Link(1).State);
        Assert.Equal(LinkState.InService, n2.Link(1).State);
    }

    [Fact]
    public void A_cut_in_both_directions_after_the_acks_stalled_for_less_than_the_detection_time_is_not_reported_one_way()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes(icmp: false));
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        var detection = n1.Link(1).DetectionTime;

        // n2 stops hearing n1 for half the detection time, so n2's last frames carry a stale ack; then the link is cut
        // both ways. n1 still received frames after its acks stopped, but for less than the detection time.
        net.Drops.Add(hop => hop.From == "n1" && hop.To == "n2");
        net.Run(detection / 2);
        net.Drops.Add(hop => hop.From == "n2" && hop.To == "n1");
        net.Run(TimeSpan.FromSeconds(1));

        Assert.DoesNotContain(n1.Events, e => e.Kind == LinkEventKind.OneWay);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.Link && !e.InService);
        Assert.Equal(LinkState.OutOfService, n1.Link(1).State);
    }

    [Fact]
    public void A_peer_that_starts_later_is_not_reported_one_way()
    {
        var cluster = TestClusters.TwoNodes(icmp: false);
        var (net, n1, n2) = TestClusters.Pair(cluster);
        n2.Paused = true;
        net.Run(TimeSpan.FromSeconds(2));
        n2.Backlog.Clear();
        n2.Paused = false;
        net.Run(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(n1.Events, e => e.Kind == LinkEventKind.OneWay);
        Assert.Equal(LinkState.InService, n1.Link(1).State);
    }

    [Fact]
    public void Dropping_icmp_at_the_witness_takes_the_icmp_link_out_and_both_hops_show_the_witness_lost()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Run(TimeSpan.FromSeconds(1));
        net.Drops.Add(hop => hop.Transport != Transport.Udp);
        net.Run(TimeSpan.FromSeconds(2));

        foreach (var node in new[] { n1, n2 })
        {
            Assert.Equal(LinkState.OutOfService, node.Link(10).State);
            Assert.Equal(HopState.OutOfService, node.Link(10).Hop);
            Assert.Equal(LinkState.InService, node.Link(1).State);
            var hop = Assert.Single(node.Events, e => e.Kind == LinkEventKind.Hop);
            Assert.Equal(Protocol.Sbp.SbpMessageType.IcmpHopLink, hop.ToSbp()!.Value.Type);
            Assert.Equal(Protocol.Sbp.SbpLinkType.IcmpHop, hop.ToSbp()!.Value.LinkType);
        }

        net.Drops.Clear();
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(LinkState.InService, n1.Link(10).State);
        Assert.Equal(HopState.Inactive, n1.Link(10).Hop);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.Hop && e.InService);
    }

    [Fact]
    public void Cutting_the_witness_off_one_node_shows_which_side_is_isolated()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Run(TimeSpan.FromSeconds(1));
        var n1Ip = IPAddress.Parse("10.0.0.1");
        net.Drops.Add(hop => hop.Transport != Transport.Udp && (hop.From == "n1" || (hop.From == "witness" && hop.Destination.Equals(n1Ip))));
        net.Run(TimeSpan.FromSeconds(2));

        Assert.Equal(HopState.OutOfService, n1.Link(10).Hop);
        Assert.Equal(HopState.InService, n2.Link(10).Hop);
        Assert.Equal(LinkState.OutOfService, n1.Link(10).State);
        Assert.Equal(LinkState.OutOfService, n2.Link(10).State);
        Assert.True(n2.Engine.Peer(1, 1).PeerReportsWitnessLost(net.Clock.Now));
        Assert.False(n1.Engine.Peer(1, 2).PeerReportsWitnessLost(net.Clock.Now));
    }

    [Fact]
    public void Several_links_per_path_the_path_goes_out_only_when_all_links_are_out()
    {
        var (net, n1, _) = TestClusters.Pair(TestClusters.TwoNodes(udpLinks: 2, icmp: false));
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        var first = IPAddress.Parse("10.0.0.1");
        net.Drops.Add(hop => hop.Transport == Transport.Udp && (hop.Source.Equals(first) || hop.Destination.Equals(first)));
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(LinkState.OutOfService, n1.Link(1).State);
        Assert.Equal(LinkState.InService, n1.Link(2).State);
        Assert.DoesNotContain(n1.Events, e => e.Kind == LinkEventKind.Path);
        Assert.Equal(PathState.InService, n1.Engine.Peer(1, 2).PathOf(LinkType.Udp));

        net.Drops.Add(Udp);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Single(n1.Events, e => e.Kind == LinkEventKind.Path && !e.InService);

        net.Drops.Clear();
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Single(n1.Events, e => e.Kind == LinkEventKind.Path && e.InService);
        Assert.Equal(2, n1.Events.Count(e => e.Kind == LinkEventKind.Link && e.InService));
    }

    [Fact]
    public void Links_that_never_come_up_raise_an_alarm_after_the_detection_time()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        n2.Paused = true;
        net.Run(TimeSpan.FromSeconds(2));
        var udp = Assert.Single(n1.Events, e => e.Kind == LinkEventKind.Link && e.Link == 1);
        Assert.False(udp.InService);
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.Link && e.Link == 10 && !e.InService);
        Assert.Equal(LinkState.OutOfService, n1.Link(10).State);
        Assert.Equal(HopState.InService, n1.Link(10).Hop);
    }

    [Fact]
    public void A_filtered_relay_is_reported_unavailable_not_out_of_service()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Drops.Add(hop => hop.Transport == Transport.IcmpRelay); // spoofed-source requests never reach the witness
        net.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(LinkState.Unavailable, n1.Link(10).State);
        Assert.Equal(LinkState.Unavailable, n2.Link(10).State);
        Assert.Equal(HopState.InService, n1.Link(10).Hop);
        Assert.Equal(LinkState.InService, n1.Link(1).State);

        net.Drops.Clear();
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(LinkState.InService, n1.Link(10).State);
    }

    [Fact]
    public void A_stalled_node_charges_one_interval_and_accuses_nobody()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes());
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        n1.Paused = true; // SIGSTOP: frames queue in the kernel, no tick runs
        net.Run(TimeSpan.FromMilliseconds(400));
        var late = n2.Events.Where(e => e.Kind == LinkEventKind.Link && !e.InService).ToList();
        Assert.NotEmpty(late); // the peer rightly sees the stalled node go silent
        n1.Backlog.RemoveAll(_ => true); // worst case: nothing queued survives
        n1.Paused = false;
        net.Run(TimeSpan.FromMilliseconds(5));
        Assert.Contains(n1.Events, e => e.Kind == LinkEventKind.SlowTick);
        Assert.DoesNotContain(n1.Events, e => e.Kind is LinkEventKind.Link or LinkEventKind.Path && !e.InService);
        Assert.Equal(1, n1.Engine.SlowTicks);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.All(n1.Engine.Links, l => Assert.Equal(LinkState.InService, l.State));
    }

    /// <summary>
    /// Loss in turns: n2 hears nothing from n1 for three intervals, then n1 nothing from n2 for three. Neither direction
    /// loses `maxloss` (5) frames in a row, but n1's acks do not advance for about six intervals, longer than the
    /// detection time: a rule on time alone took the link out ("acknowledgements stopped"), which under random loss in
    /// both directions made links flap several times more often than `maxloss` losses in a row do.
    /// </summary>
    [Fact]
    public void Loss_in_turns_each_direction_fewer_than_maxloss_in_a_row_keeps_the_link_in_service()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes(icmp: false));
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        n2.Events.Clear();
        var start = net.Clock.Now;
        var turn = Interval * 3;
        net.Drops.Add(hop => net.Clock.Now - start < turn
            ? hop.From == "n1" && hop.To == "n2"
            : net.Clock.Now - start < 2 * turn && hop.From == "n2" && hop.To == "n1");
        net.Run(TimeSpan.FromSeconds(1));

        Assert.True(n1.Link(1).Lost >= 2, $"n1 lost {n1.Link(1).Lost} frames: the second turn did not happen");
        Assert.DoesNotContain(n1.Events, e => e.Kind is LinkEventKind.Link or LinkEventKind.OneWay);
        Assert.DoesNotContain(n2.Events, e => e.Kind is LinkEventKind.Link or LinkEventKind.OneWay);
        Assert.Equal(LinkState.InService, n1.Link(1).State);
    }

    [Fact]
    public void Ten_percent_loss_at_maxloss_five_does_not_flap_in_a_simulated_minute()
    {
        var (net, n1, n2) = TestClusters.Pair(TestClusters.TwoNodes(), seed: 7);
        net.Run(TimeSpan.FromSeconds(1));
        n1.Events.Clear();
        n2.Events.Clear();
        net.Loss = 0.10;
        net.Run(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(2));
        Assert.True(net.Dropped > 400, $"only {net.Dropped} datagrams dropped");
        Assert.DoesNotContain(n1.Events, e => e.Kind != LinkEventKind.SlowTick);
        Assert.DoesNotContain(n2.Events, e => e.Kind != LinkEventKind.SlowTick);
        Assert.InRange(n1.Link(1).Lost, 50, 250);
    }
}
