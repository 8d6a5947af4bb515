using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class ApiEventsSocketTests
{
    private const string Base = """
        { "Cluster": [ { "ID": 1, "Members": [ { "ID": 1, "Hostname": "a" }, { "ID": 2, "Hostname": "b" } ],
          "links": [ { "ID": 1, "type": "udp", "interval": 0.05, "maxloss": 5,
                       "Nodes": [ { "NodeID": 1, "IP": "10.0.0.1" }, { "NodeID": 2, "IP": "10.0.0.2" } ] } ] } ],
          "System": { "udp_port": 5405 }, "api": API }
        """;

    [Fact]
    public void The_event_stream_is_off_by_default_and_takes_a_node_path_when_set()
    {
        var off = ConfigLoader.Parse(Base.Replace("API", """{ "socket": "/run/x.sock" }"""), null);
        Assert.True(off.IsValid);
        Assert.Null(off.Config.Api.EventsSocket);

        var on = ConfigLoader.Parse(Base.Replace("API", """{ "events_socket": "/run/{node}-events.sock" }"""), null);
        Assert.True(on.IsValid);
        Assert.Equal("/run/b-events.sock", NodeIdentity.ExpandPaths(on.Config, "b").Api.EventsSocket);
    }

    [Fact]
    public void A_relative_event_socket_path_is_an_error_with_its_path()
    {
        var bad = ConfigLoader.Parse(Base.Replace("API", """{ "events_socket": "events.sock" }"""), null);
        Assert.False(bad.IsValid);
        Assert.Equal("$.api.events_socket", Assert.Single(bad.Errors).JsonPath);
    }
}
