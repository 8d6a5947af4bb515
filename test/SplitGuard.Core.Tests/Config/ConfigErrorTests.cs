using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class ConfigErrorTests
{
    private const string L0 = "$.Cluster[0].links[0]";
    private const string L1 = "$.Cluster[0].links[1]";

    /// <summary>
    /// One mistake in sbp's example gives exactly one error, with the right JSON path, the line and
    /// column of the offending token ('^' in the marker), and a message saying what was expected.
    /// </summary>
    [Theory]
    [InlineData("\"interval\": 1,", 1, "\"interval\": \"abc\",", L0 + ".interval", "\"interval\": ^\"abc\"", "expected a number > 0 (seconds, fractions such as 0.05 allowed), got \"abc\"")]
    [InlineData("\"interval\": 1,", 1, "\"interval\": 0,", L0 + ".interval", "\"interval\": ^0,", "expected a number > 0 (seconds, fractions such as 0.05 allowed), got 0")]
    [InlineData("\"interval\": 1,", 1, "\"interval\": -0.5,", L0 + ".interval", "\"interval\": ^-0.5", "expected a number > 0 (seconds, fractions such as 0.05 allowed), got -0.5")]
    [InlineData("\"interval\": 1,", 1, "\"interval\": true,", L0 + ".interval", "\"interval\": ^true", "expected a number > 0 (seconds, fractions such as 0.05 allowed), got true")]
    [InlineData("\"interval\": 0.1,", 1, "\"interval\": 0.001,", L1 + ".interval", "\"interval\": ^0.001", "expected an interval of at least 0.005 seconds (5 ms), got 0.001")]
    [InlineData("\"interval\": 0.1,", 1, "\"interval\": 3601,", L1 + ".interval", "\"interval\": ^3601", "expected an interval of at most 3600 seconds, got 3601")]
    [InlineData("\"interval\": 0.1,", 1, "\"interval\": 1e40,", L1 + ".interval", "\"interval\": ^1e40", "expected an interval of at most 3600 seconds, got 1e40")]
    [InlineData("\"maxloss\": 3,", 1, "\"maxloss\": 0,", L0 + ".maxloss", "\"maxloss\": ^0,", "expected an integer from 1 to 100000 (heartbeats lost before the link is out of service), got 0")]
    [InlineData("\"maxloss\": 3,", 1, "\"maxloss\": 2.5,", L0 + ".maxloss", "\"maxloss\": ^2.5", "expected an integer from 1 to 100000 (heartbeats lost before the link is out of service), got 2.5")]
    [InlineData("\"maxloss\": 3,", 1, "\"maxloss\": \"3\",", L0 + ".maxloss", "\"maxloss\": ^\"3\"", "got \"3\"")]
    [InlineData("\"ID\": 1000", 1, "\"ID\": 65536", "$.Cluster[0].ID", "\"ID\": ^65536", "expected an integer from 0 to 65535 (cluster ID), got 65536")]
    [InlineData("\"ID\": 1000", 1, "\"ID\": -1", "$.Cluster[0].ID", "\"ID\": ^-1", "expected an integer from 0 to 65535 (cluster ID), got -1")]
    [InlineData("{\"ID\": 1, \"Hostname\": \"node1\"}", 1, "{\"ID\": \"1\", \"Hostname\": \"node1\"}", "$.Cluster[0].Members[0].ID", "{\"ID\": ^\"1\"", "expected an integer from 0 to 65535 (member ID), got \"1\"")]
    [InlineData("\"ID\": 2,", 2, "\"ID\": 1.5,", L1 + ".ID", "\"ID\": ^1.5", "expected an integer from 0 to 65535 (link ID), got 1.5")]
    [InlineData("{\"ID\": 2, \"Hostname\": \"node2\"}", 1, "{\"ID\": 1, \"Hostname\": \"node2\"}", "$.Cluster[0].Members[1].ID", "{\"ID\": ^1, \"Hostname\": \"node2\"}", "duplicate member ID 1 (already used by $.Cluster[0].Members[0]): member IDs must be unique in a cluster")]
    [InlineData("\"ID\": 2,", 2, "\"ID\": 1,", L1 + ".ID", "\"ID\": ^1,", "duplicate link ID 1 (already used by $.Cluster[0].links[0]): link IDs must be unique in a cluster", 3)]
    [InlineData("\"Hostname\": \"node2\"", 1, "\"Hostname\": \"Node1\"", "$.Cluster[0].Members[1].Hostname", "\"Hostname\": ^\"Node1\"", "duplicate Hostname \"Node1\" (already used by $.Cluster[0].Members[0]): Hostnames must be unique in a cluster")]
    [InlineData("\"Hostname\": \"node2\"", 1, "\"Hostname\": \"node2\", \"Priority\": 5000", "$.Cluster[0].Members[1].Priority", "\"Priority\": ^5000", "expected an integer from -1000 to 1000 (the node's priority; higher wins a tie), got 5000")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"stop_budget\": 0}, \"api\": {", "$.Ownership.stop_budget", "\"stop_budget\": ^0", "expected a number of seconds from 0.01 to 60 (how long the resources may take to stop), got 0")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"stop_budgets\": 1}, \"api\": {", "$.Ownership.stop_budgets", "^\"stop_budgets\"", "unknown key \"stop_budgets\" (did you mean \"stop_budget\"?)")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": \"/dev/watchdog\", \"timeout\": 0.01}}, \"api\": {", "$.Ownership.watchdog.timeout", "\"timeout\": ^0.01", "expected a number of seconds from 0.05 to 60 (how long the watchdog waits for a pet before it resets the node), got 0.01")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": \"/dev/watchdog\", \"timeout\": 61}}, \"api\": {", "$.Ownership.watchdog.timeout", "\"timeout\": ^61", "expected a number of seconds from 0.05 to 60 (how long the watchdog waits for a pet before it resets the node), got 61")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": \"/dev/watchdog\", \"timeout\": \"5s\"}}, \"api\": {", "$.Ownership.watchdog.timeout", "\"timeout\": ^\"5s\"", "expected a number of seconds from 0.05 to 60 (how long the watchdog waits for a pet before it resets the node), got \"5s\"")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": \"watchdog\", \"timeout\": 5}}, \"api\": {", "$.Ownership.watchdog.device", "\"device\": ^\"watchdog\"", "expected an absolute path starting with '/' (the watchdog device, such as /dev/watchdog;")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": 5, \"timeout\": 5}}, \"api\": {", "$.Ownership.watchdog.device", "\"device\": ^5", "expected an absolute path starting with '/' (the watchdog device")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"device\": \"/dev/watchdog\"}}, \"api\": {", "$.Ownership.watchdog.timeout", "\"watchdog\": ^{", "missing required key \"timeout\" (expected a number of seconds from 0.05 to 60: how long the watchdog waits for a pet before it resets the node)")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": {\"timeout\": 5, \"timout\": 5}}, \"api\": {", "$.Ownership.watchdog.timout", "^\"timout\"", "unknown key \"timout\" (did you mean \"timeout\"?); allowed keys here: device, timeout")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdog\": \"/dev/watchdog\"}, \"api\": {", "$.Ownership.watchdog", "\"watchdog\": ^\"/dev", "expected the watchdog object ({\"device\": \"/dev/watchdog\", \"timeout\": seconds}) or null, got \"/dev/watchdog\"")]
    [InlineData("\"api\": {", 1, "\"Ownership\": {\"watchdogs\": {}}, \"api\": {", "$.Ownership.watchdogs", "^\"watchdogs\"", "unknown key \"watchdogs\" (did you mean \"watchdog\"?)")]
    [InlineData("\"Hostname\": \"node2\"", 1, "\"Hostname\": \"\"", "$.Cluster[0].Members[1].Hostname", "\"Hostname\": ^\"\"", "expected a hostname")]
    [InlineData("{\"NodeID\": 2, \"IP\": \"192.168.1.2\"}", 1, "{\"NodeID\": 9, \"IP\": \"192.168.1.2\"}", L0 + ".Nodes[1].NodeID", "{\"NodeID\": ^9", "NodeID 9 is not a member of this cluster (member IDs: 1, 2)")]
    [InlineData("{\"NodeID\": 2, \"IP\": \"192.168.1.2\"}", 2, "{\"NodeID\": 1, \"IP\": \"192.168.1.2\"}", L1 + ".Nodes[1].NodeID", "{\"NodeID\": ^1, \"IP\": \"192.168.1.2\"}", "both endpoints are node 1: a link joins two different members")]
    [InlineData("\"192.168.1.2\"", 1, "\"192.168.1.1\"", L0 + ".Nodes[1].IP", "{\"NodeID\": 2, \"IP\": ^\"192.168.1.1\"}", "both endpoints use 192.168.1.1: each end of a link needs its own address")]
    [InlineData("\"type\": \"udp\"", 1, "\"type\": \"tcp\"", L0 + ".type", "\"type\": ^\"tcp\"", "expected \"udp\" or \"icmp\", got \"tcp\"")]
    [InlineData("\"type\": \"udp\"", 1, "\"type\": \"UDP\"", L0 + ".type", "\"type\": ^\"UDP\"", "expected \"udp\" or \"icmp\" (lowercase: \"udp\"), got \"UDP\"")]
    [InlineData("\"maxloss\": 3,", 1, "\"maxloss\": 3, \"ICMPIP\": \"192.168.1.9\",", L0 + ".ICMPIP", "^\"ICMPIP\": \"192.168.1.9\"", "ICMPIP is only allowed on icmp links, and this link is udp")]
    [InlineData("\"ICMPIP\": \"192.168.1.3\"", 1, "\"ICMPIP\": \"192.168.1.2\"", L1 + ".ICMPIP", "\"ICMPIP\": ^\"192.168.1.2\"", "ICMPIP 192.168.1.2 is also the address of endpoint $.Cluster[0].links[1].Nodes[1].IP: the witness must be a third host")]
    [InlineData("\"ICMPIP\": \"192.168.1.3\"", 1, "\"ICMPIP\": \"fe80::3\"", L1 + ".ICMPIP", "\"ICMPIP\": ^\"fe80::3\"", "got the IPv6 address \"fe80::3\": the ICMP relay through the witness works over IPv4 only")]
    [InlineData("\"192.168.1.2\"", 1, "\"fe80::2\"", L0 + ".Nodes[1].IP", "^\"fe80::2\"", "got the IPv6 address \"fe80::2\": IPv6 links are not supported yet")]
    [InlineData("\"192.168.1.2\"", 2, "\"fe80::2\"", L1 + ".Nodes[1].IP", "^\"fe80::2\"", "the ICMP relay through the witness works over IPv4 only")]
    [InlineData("\"192.168.1.1\"", 2, "\"192.168.1\"", L1 + ".Nodes[0].IP", "^\"192.168.1\"", "expected an IPv4 address in dotted-quad form, such as \"10.96.0.1\", got \"192.168.1\"")]
    [InlineData("\"192.168.1.1\"", 2, "\"192.168.1.300\"", L1 + ".Nodes[0].IP", "^\"192.168.1.300\"", "expected an IPv4 address in dotted-quad form")]
    [InlineData("\"192.168.1.1\"", 2, "\"224.0.0.5\"", L1 + ".Nodes[0].IP", "^\"224.0.0.5\"", "expected a unicast IPv4 host address, got \"224.0.0.5\": a multicast address is not a host address")]
    [InlineData("\"192.168.1.1\"", 2, "19216811", L1 + ".Nodes[0].IP", "^19216811", "expected an IPv4 address in double quotes, such as \"10.96.0.1\", got 19216811")]
    [InlineData("\"udp_port\": 5405", 1, "\"udp_port\": 0", "$.System.udp_port", "\"udp_port\": ^0", "expected an integer from 1 to 65535 (the UDP port of udp links), got 0")]
    [InlineData("\"udp_port\": 5405", 1, "\"udp_port\": 70000", "$.System.udp_port", "\"udp_port\": ^70000", "expected an integer from 1 to 65535 (the UDP port of udp links), got 70000")]
    [InlineData("\"udp_port\": 5405, ", 1, "", "$.System.udp_port", "\"System\": ^{", "missing udp_port (expected an integer from 1 to 65535): System.udp_port is required because $.Cluster[0].links[0] is a udp link")]
    [InlineData("\"foreground\": true", 1, "\"foreground\": \"yes\"", "$.System.foreground", "\"foreground\": ^\"yes\"", "expected true or false (run in the foreground), got \"yes\"")]
    [InlineData("\"level\": \"DEBUG\"", 1, "\"level\": \"VERBOSE\"", "$.Logging.level", "\"level\": ^\"VERBOSE\"", "expected one of DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL, got \"VERBOSE\"")]
    [InlineData("\"logfile\": \"/var/log/sbpd.log\"", 1, "\"logfile\": \"sbpd.log\"", "$.Logging.logfile", "\"logfile\": ^\"sbpd.log\"", "expected an absolute path starting with '/' (the log file;")]
    [InlineData("\"logfile\": \"/var/log/sbpd.log\"", 1, "\"logfile\": \"/var/log/{host}.log\"", "$.Logging.logfile", "\"logfile\": ^\"/var", "unknown placeholder in \"/var/log/{host}.log\": only {node} (the local Hostname) is supported")]
    [InlineData("\"max_file_size\": 20", 1, "\"max_file_size\": 0", "$.Logging.max_file_size", "\"max_file_size\": ^0", "expected an integer from 1 to 100000 (MB before the log file is rotated), got 0")]
    [InlineData("\"no_of_file\": 3", 1, "\"no_of_file\": -1", "$.Logging.no_of_file", "\"no_of_file\": ^-1", "expected an integer from 1 to 1000 (log files kept), got -1")]
    [InlineData("\"socket\": \"/run/sbpd.sock\"", 1, "\"socket\": 5", "$.api.socket", "\"socket\": ^5", "expected an absolute path starting with '/' (the sbp API socket;")]
    [InlineData("\"socket\": \"/run/sbpd.sock\"", 1, "\"socket\": \"/run/sbpd.sock\", \"sockett\": 1", "$.api.sockett", "^\"sockett\"", "unknown key \"sockett\" (did you mean \"socket\"?); allowed keys here: socket, group")]
    [InlineData("\"maxloss\": 3,", 1, "\"maxloss\": 3, \"maxloss\": 4,", L0 + ".maxloss", "^\"maxloss\": 4", "duplicate key \"maxloss\" (first given at line")]
    [InlineData("\"api\": {", 1, "\"API\": {", "$.API", "^\"API\"", "unknown key \"API\" (keys are case-sensitive: did you mean \"api\"?)")]
    [InlineData("\"Logging\": {", 1, "\"Logs\": {", "$.Logs", "^\"Logs\"", "allowed keys here: Cluster, System, Logging, api, Auth, Daemon, Ownership, Resources, Tickets, Fencing, Registry, Web")]
    [InlineData("{\"NodeID\": 1, \"IP\": \"192.168.1.1\"}", 1, "{\"NodeID\": 1, \"IP\": \"192.168.1.1\", \"Port\": 1}", L0 + ".Nodes[0].Port", "^\"Port\"", "unknown key \"Port\"; allowed keys here: NodeID, IP")]
    [InlineData("{\"NodeID\": 2, \"IP\": \"192.168.1.2\"}", 1, "{\"NodeID\": 2, \"IP\": \"192.168.1.2\"}, {\"NodeID\": 2, \"IP\": \"192.168.1.7\"}", L0 + ".Nodes", "\"Nodes\": ^[", "expected exactly two endpoints (a link joins two nodes), got 3")]
    [InlineData("\"api\": {", 1, "\"Auth\": {\"key_file\": \"authkey\"}, \"api\": {", "$.Auth.key_file", "\"key_file\": ^\"authkey\"", "expected an absolute path starting with '/' (the key file;")]
    [InlineData("\"api\": {", 1, "\"Daemon\": {\"control_group\": \"\"}, \"api\": {", "$.Daemon.control_group", "\"control_group\": ^\"\"", "expected a Unix group name")]
    [InlineData("\"api\": {", 1, "\"Daemon\": {\"pid_file\": \"/run/x.pid\", \"pidfile\": 1}, \"api\": {", "$.Daemon.pidfile", "^\"pidfile\"", "unknown key \"pidfile\" (did you mean \"pid_file\"?); allowed keys here: pid_file, control_socket, control_group, realtime_priority, state_dir")]
    [InlineData("\"api\": {", 1, "\"Daemon\": {\"realtime_priority\": 100}, \"api\": {", "$.Daemon.realtime_priority", "\"realtime_priority\": ^100", "expected an integer from 0 to 99 (the SCHED_RR priority of the heartbeat threads (0: normal scheduling))")]
    public void OneMistakeGivesOneErrorAtItsPathAndLine(string from, int occurrence, string to, string path, string marker, string message, int markerOccurrence = 1)
    {
        var json = ConfigText.Sbp.ReplaceNth(from, occurrence, to);

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, path, marker, markerOccurrence);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspelledKeyIsNamedAndTheMissingOneToo()
    {
        var json = ConfigText.Sbp.ReplaceOnce("\"interval\": 1,", "\"intervall\": 1,");

        var errors = ConfigText.Invalid(json);

        Assert.Equal(2, errors.Count);
        ConfigText.AssertAt(errors[0], json, L0 + ".interval", "{\n          \"ID\": 1,");
        Assert.StartsWith("missing required key \"interval\"", errors[0].Message, StringComparison.Ordinal);
        ConfigText.AssertAt(errors[1], json, L0 + ".intervall", "\"intervall\"");
        Assert.Equal(
            "unknown key \"intervall\" (did you mean \"interval\"?); allowed keys here: ID, type, interval, maxloss, ICMPIP, Nodes",
            errors[1].Message);
    }

    [Fact]
    public void IcmpLinkWithoutIcmpIpPointsAtTheLink()
    {
        var json = ConfigText.Sbp.ReplaceOnce("\"ICMPIP\": \"192.168.1.3\",", string.Empty);

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, L1 + ".ICMPIP", "{\n          \"ID\": 2,");
        Assert.Equal("missing required key \"ICMPIP\" (expected the witness's IPv4 address, required for icmp links)", error.Message);
    }

    [Fact]
    public void LowerCaseHostnameKeyIsCaughtAsTypo()
    {
        var json = ConfigText.Sbp.ReplaceOnce("{\"ID\": 1, \"Hostname\": \"node1\"}", "{\"ID\": 1, \"hostname\": \"node1\"}");

        var errors = ConfigText.Invalid(json);

        Assert.Equal(2, errors.Count);
        ConfigText.AssertAt(errors[0], json, "$.Cluster[0].Members[0].Hostname", "{\"ID\": 1, \"hostname\"");
        Assert.Contains("missing required key \"Hostname\"", errors[0].Message, StringComparison.Ordinal);
        ConfigText.AssertAt(errors[1], json, "$.Cluster[0].Members[0].hostname", "\"hostname\"");
        Assert.Contains("keys are case-sensitive: did you mean \"Hostname\"?", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryErrorIsReportedTogetherInSourceOrder()
    {
        var json = ConfigText.Sbp
            .ReplaceOnce("\"interval\": 1,", "\"interval\": \"abc\",")
            .ReplaceOnce("\"maxloss\": 5,", "\"maxloss\": 0,")
            .ReplaceOnce("\"udp_port\": 5405", "\"udp_port\": \"5405\"")
            .ReplaceOnce("\"level\": \"DEBUG\"", "\"level\": \"LOUD\"")
            .ReplaceOnce("\"api\": {", "\"Foo\": 1, \"api\": {");

        var errors = ConfigText.Invalid(json);

        Assert.Equal(
            [L0 + ".interval", L1 + ".maxloss", "$.System.udp_port", "$.Logging.level", "$.Foo"],
            errors.Select(e => e.JsonPath));
        ConfigText.AssertAt(errors[0], json, L0 + ".interval", "^\"abc\"");
        ConfigText.AssertAt(errors[1], json, L1 + ".maxloss", "\"maxloss\": ^0");
        ConfigText.AssertAt(errors[2], json, "$.System.udp_port", "^\"5405\"");
        ConfigText.AssertAt(errors[3], json, "$.Logging.level", "^\"LOUD\"");
        ConfigText.AssertAt(errors[4], json, "$.Foo", "^\"Foo\"");
        Assert.True(errors.Select(e => (e.Line, e.Column)).SequenceEqual(errors.Select(e => (e.Line, e.Column)).Order()));
    }

    [Fact]
    public void FormattedErrorsNameFileLineColumnAndPath()
    {
        var json = ConfigText.Sbp.ReplaceOnce("\"interval\": 1,", "\"interval\": \"abc\",");
        var result = ConfigLoader.Parse(json, "/etc/splitguard.json");
        var (line, column) = ConfigText.Locate(json, "\"abc\"");

        var formatted = Assert.Single(result.FormatErrors());

        Assert.Equal(
            $"/etc/splitguard.json:{line}:{column}: $.Cluster[0].links[0].interval: expected a number > 0 (seconds, fractions such as 0.05 allowed), got \"abc\"",
            formatted);
    }

    [Fact]
    public void AddressOfOneMemberUsedByAnotherIsAnError()
    {
        var json = ConfigText.Sbp
            .ReplaceNth("\"192.168.1.1\"", 2, "\"192.168.2.1\"")
            .ReplaceNth("\"192.168.1.2\"", 2, "\"192.168.1.1\"");

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, L1 + ".Nodes[1].IP", "{\"NodeID\": 2, \"IP\": ^\"192.168.1.1\"}");
        Assert.Equal("192.168.1.1 is already the address of node 1 at $.Cluster[0].links[0].Nodes[0].IP: an address belongs to one member", error.Message);
    }

    [Fact]
    public void DuplicateClusterIdIsAnError()
    {
        var second = """
            {"ID": 7, "Members": [{"ID": 5, "Hostname": "a"}, {"ID": 6, "Hostname": "c"}],
             "links": [{"ID": 1, "type": "icmp", "interval": 1, "maxloss": 3, "ICMPIP": "10.1.0.3",
                        "Nodes": [{"NodeID": 5, "IP": "10.1.0.1"}, {"NodeID": 6, "IP": "10.1.0.2"}]}]}
            """;
        var json = ConfigText.Minimal.ReplaceOnce("  ]\n}", "  ,\n" + second + "\n  ]\n}");

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, "$.Cluster[1].ID", "{\"ID\": ^7, \"Members\"");
        Assert.Equal("duplicate cluster ID 7 (already used by $.Cluster[0]): cluster IDs must be unique", error.Message);
    }

    [Fact]
    public void ClusterWithOneMemberReportsItAndTheUnknownNode()
    {
        var json = ConfigText.Minimal.ReplaceOnce(", {\"ID\": 2, \"Hostname\": \"b\"}", string.Empty);

        var errors = ConfigText.Invalid(json);

        Assert.Equal(2, errors.Count);
        ConfigText.AssertAt(errors[0], json, "$.Cluster[0].Members", "\"Members\": ^[");
        Assert.Equal("expected at least two members (a cluster joins two or more nodes), got 1", errors[0].Message);
        ConfigText.AssertAt(errors[1], json, "$.Cluster[0].links[0].Nodes[1].NodeID", "{\"NodeID\": ^2");
        Assert.Equal("NodeID 2 is not a member of this cluster (member IDs: 1)", errors[1].Message);
    }

    [Theory]
    [InlineData("{\"System\": {}}", "$.Cluster", 1, 1, "missing required key \"Cluster\" (expected an array of clusters")]
    [InlineData("[1, 2]", "$", 1, 1, "expected a JSON object at the top level ({\"Cluster\": [...], \"System\": {...}, ...}), got an array")]
    [InlineData("{\"Cluster\": []}", "$.Cluster", 1, 13, "expected at least one cluster, got an empty array")]
    [InlineData("{\"Cluster\": {}}", "$.Cluster", 1, 13, "expected an array of cluster objects")]
    [InlineData("{\"Cluster\": [5]}", "$.Cluster[0]", 1, 14, "expected a cluster object ({\"ID\": ..., \"Members\": [...], \"links\": [...]}), got 5")]
    [InlineData("{\"Cluster\": [{\"ID\": 1, \"Members\": [{\"ID\": 1, \"Hostname\": \"a\"}, {\"ID\": 2, \"Hostname\": \"b\"}], \"links\": []}]}", "$.Cluster[0].links", 1, 102, "expected at least one link, got an empty array")]
    [InlineData("{\"Cluster\": [{\"Members\": [{\"ID\": 1, \"Hostname\": \"a\"}, {\"ID\": 2, \"Hostname\": \"b\"}], \"links\": [{\"ID\": 1, \"type\": \"icmp\", \"interval\": 1, \"maxloss\": 3, \"ICMPIP\": \"10.0.0.3\", \"Nodes\": [{\"NodeID\": 1, \"IP\": \"10.0.0.1\"}, {\"NodeID\": 2, \"IP\": \"10.0.0.2\"}]}]}]}", "$.Cluster[0].ID", 1, 14, "missing required key \"ID\" (expected the cluster ID, an integer from 0 to 65535)")]
    public void StructuralMistakes(string json, string path, int line, int column, string message)
    {
        var error = ConfigText.SingleError(json);

        Assert.Equal((path, line, column), (error.JsonPath, error.Line, error.Column));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UdpLinkWithoutSystemSectionPointsAtTheLinkType()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\"type\": \"icmp\"", "\"type\": \"udp\"").ReplaceOnce("\"ICMPIP\": \"10.0.0.3\",", string.Empty);

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, "$.System.udp_port", "\"type\": ^\"udp\"");
        Assert.Contains("required because $.Cluster[0].links[0] is a udp link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SyntaxErrorsHaveLineColumnAndPath()
    {
        var json = ConfigText.Sbp.ReplaceOnce("\"maxloss\": 3,", "\"maxloss\": 3");

        var error = ConfigText.SingleError(json);

        ConfigText.AssertAt(error, json, L0, "\"Nodes\"", 1);
        Assert.Equal("expected ',' or '}' after the value of \"maxloss\", got '\"'", error.Message);
    }
}
