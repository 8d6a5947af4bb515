using System.Text.Json.Nodes;
using SplitGuard.Daemon.Status;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary><c>splitguard status --check</c> (issue 14): the status document judged as a monitoring plugin.</summary>
public sealed class StatusCheckTests
{
    private static JsonObject Link(int id, string state = "in_service", bool oneWay = false) =>
        new() { ["id"] = id, ["type"] = "udp", ["state"] = state, ["one_way"] = oneWay };

    private static JsonObject Resource(string name, int failCount = 0, int failLimit = 3, bool stopFailed = false) =>
        new() { ["name"] = name, ["fail_count"] = failCount, ["fail_limit"] = failLimit, ["stop_failed"] = stopFailed };

    private static JsonObject Status(JsonObject[] links, string nodeStatus = "ONLINE", JsonObject? ownership = null) => new()
    {
        ["daemon"] = new JsonObject { ["node"] = "n1", ["status"] = nodeStatus },
        ["clusters"] = new JsonArray(new JsonObject
        {
            ["id"] = 1,
            ["peers"] = new JsonArray(new JsonObject { ["id"] = 2, ["hostname"] = "n2", ["links"] = new JsonArray(links) }),
        }),
        ["ownership"] = ownership,
        ["frames"] = new JsonObject { ["dropped_total"] = 7 },
    };

    private static JsonObject Ownership(params JsonObject[] resources) => new()
    {
        ["holder"] = 1,
        ["run"] = true,
        ["panic"] = null,
        ["term_store_error"] = null,
        ["resource_list"] = new JsonArray(resources),
    };

    [Fact]
    public void All_links_up_and_no_failure_is_OK_with_performance_data()
    {
        var (state, line) = StatusCheck.Evaluate(Status([Link(1), Link(2)], ownership: Ownership(Resource("vip"))));

        Assert.Equal(CheckState.Ok, state);
        Assert.Equal("SPLITGUARD OK - node n1 ONLINE, 2 of 2 links in service, resources on node 1 (here) | links_in_service=2;;;0;2 peers_unreachable=0 resources=1 resources_failed=0 frames_dropped=7c", line);
    }

    [Theory]
    [InlineData("out_of_service", false, "link 2 to n2 out_of_service")]
    [InlineData("in_service", true, "link 2 to n2 one-way")]
    public void A_lost_or_one_way_link_is_a_WARNING(string state, bool oneWay, string reason)
    {
        var (check, line) = StatusCheck.Evaluate(Status([Link(1), Link(2, state, oneWay)]));

        Assert.Equal(CheckState.Warning, check);
        Assert.StartsWith($"SPLITGUARD WARNING - {reason} |", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_heard_on_no_link_is_a_WARNING_that_names_it()
    {
        var (check, line) = StatusCheck.Evaluate(Status([Link(1, "out_of_service"), Link(2, "out_of_service")]));

        Assert.Equal(CheckState.Warning, check);
        Assert.Contains("peer n2 not heard on any link", line, StringComparison.Ordinal);
        Assert.Contains("peers_unreachable=1", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("STANDBY")]
    [InlineData("OFFLINE")]
    public void Standby_and_offline_are_WARNINGs(string nodeStatus)
    {
        Assert.Equal(CheckState.Warning, StatusCheck.Evaluate(Status([Link(1)], nodeStatus)).State);
    }

    [Fact]
    public void A_resource_below_its_fail_limit_warns_and_one_at_it_is_CRITICAL()
    {
        Assert.Equal(CheckState.Warning, StatusCheck.Evaluate(Status([Link(1)], ownership: Ownership(Resource("vip", failCount: 1)))).State);

        var (state, line) = StatusCheck.Evaluate(Status([Link(1)], ownership: Ownership(Resource("vip", failCount: 3))));

        Assert.Equal(CheckState.Critical, state);
        Assert.Contains("resource vip: kept stopped after 3 failures", line, StringComparison.Ordinal);
        Assert.Contains("resources_failed=1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Panic_a_failed_stop_and_an_unstored_term_are_CRITICAL_and_come_before_warnings()
    {
        var ownership = Ownership(Resource("db", stopFailed: true));
        ownership["panic"] = "stop of db failed";
        ownership["term_store_error"] = "No space left on device";

        var (state, line) = StatusCheck.Evaluate(Status([Link(1), Link(2, "out_of_service")], ownership: ownership));

        Assert.Equal(CheckState.Critical, state);
        Assert.StartsWith("SPLITGUARD CRITICAL - PANIC: stop of db failed; lease term not stored: No space left on device; resource db: stop failed; link 2 to n2 out_of_service |", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watchdog_error_is_CRITICAL_and_a_watchdog_warning_a_WARNING()
    {
        var error = Ownership();
        error["watchdog"] = new JsonObject { ["error"] = "cannot pet", ["warning"] = null };
        var warning = Ownership();
        warning["watchdog"] = new JsonObject { ["error"] = null, ["warning"] = "timeout rounded up" };

        Assert.Equal(CheckState.Critical, StatusCheck.Evaluate(Status([Link(1)], ownership: error)).State);
        Assert.Equal(CheckState.Warning, StatusCheck.Evaluate(Status([Link(1)], ownership: warning)).State);
    }

    [Fact]
    public void The_unknown_line_says_why()
    {
        Assert.Equal("SPLITGUARD UNKNOWN - cannot ask the daemon: refused", StatusCheck.Unknown("cannot ask the daemon: refused"));
        Assert.Equal(3, (int)CheckState.Unknown);
    }
}
