using SplitGuard.Core.Config;
using SplitGuard.Core.Resources;
using SplitGuard.Core.Tests.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>The <c>Resources</c> section: values, defaults, groups, and one error per mistake at its path and position.</summary>
public sealed class ResourceConfigReaderTests
{
    private const string R0 = "$.Resources[0]";
    private const string R1 = "$.Resources[1]";
    private const string R2 = "$.Resources[2]";

    [Fact]
    public void Sample_reads_every_key_and_the_defaults()
    {
        var result = ResourceConfigText.Read(ResourceConfigText.Sample);

        Assert.True(result.IsValid, string.Join("\n", result.FormatErrors("test.json")));
        Assert.Equal(["vip", "nginx", "backup"], result.Resources.Select(r => r.Name));

        var vip = result.Resources[0];
        Assert.Equal(AgentSpec.Ocf("heartbeat", "IPaddr2"), vip.Agent);
        Assert.Equal("ocf:heartbeat:IPaddr2", vip.Agent.ToString());
        Assert.Equal(new Dictionary<string, string> { ["ip"] = "10.0.0.10", ["cidr_netmask"] = "24" }, vip.Params);
        Assert.Equal("web", vip.Group);
        Assert.Equal(new ResourceTimeouts(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7.5), TimeSpan.FromSeconds(20)), vip.Timeouts);
        Assert.Equal(TimeSpan.FromSeconds(2), vip.MonitorInterval);
        Assert.Equal(2, vip.MigrationThreshold);
        Assert.Equal("site-a", vip.Ticket);

        var nginx = result.Resources[1];
        Assert.Equal(AgentSpec.Lsb("nginx"), nginx.Agent);
        Assert.Empty(nginx.Params);
        Assert.Equal(ResourceTimeouts.Default, nginx.Timeouts);
        Assert.Equal(TimeSpan.FromSeconds(10), nginx.MonitorInterval);
        Assert.Equal(3, nginx.MigrationThreshold);

        var backup = result.Resources[2];
        Assert.Equal(AgentSpec.Script("/etc/pha/backup.sh"), backup.Agent);
        Assert.Null(backup.Group);
        Assert.Null(backup.Ticket);
        Assert.Equal("backup", backup.GroupName);
    }

    [Fact]
    public void Groups_keep_config_order_and_a_resource_without_group_is_a_group_of_one()
    {
        var result = ResourceConfigText.Read(ResourceConfigText.Sample);

        Assert.True(result.IsValid);
        Assert.Equal(["web", "backup"], result.Groups.Select(g => g.Name));
        var web = result.Groups[0];
        Assert.True(web.IsExplicit);
        Assert.Equal(["vip", "nginx"], web.StartOrder.Select(r => r.Name));
        Assert.Equal(["nginx", "vip"], web.StopOrder.Select(r => r.Name));
        Assert.Equal("site-a", web.Ticket);
        Assert.False(result.Groups[1].IsExplicit);
        Assert.Equal(["backup"], result.Groups[1].Members.Select(r => r.Name));
    }

    [Fact]
    public void Absent_or_null_or_empty_section_means_no_resources()
    {
        foreach (var result in new[]
        {
            ResourceConfigReader.Read(null),
            ResourceConfigText.Read(ConfigText.Minimal),
            ResourceConfigText.Read(ConfigText.Minimal.ReplaceOnce("\n}", ",\n  \"Resources\": []\n}")),
            ResourceConfigText.Read(ConfigText.Minimal.ReplaceOnce("\n}", ",\n  \"Resources\": null\n}")),
        })
        {
            Assert.True(result.IsValid, string.Join("\n", result.FormatErrors(null)));
            Assert.Empty(result.Resources);
            Assert.Empty(result.Groups);
        }
    }

    /// <summary>One mistake in the sample gives exactly one error, at the right path and character, saying what was expected.</summary>
    [Theory]
    [InlineData("\"name\": \"nginx\"", "\"name\": \"\"", R1 + ".name", "\"name\": ^\"\"", "expected a resource name: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit, got \"\"")]
    [InlineData("\"name\": \"nginx\"", "\"name\": \"my web\"", R1 + ".name", "^\"my web\"", "expected a resource name")]
    [InlineData("\"name\": \"nginx\"", "\"name\": \"VIP\"", R1 + ".name", "^\"VIP\"", "duplicate resource name \"VIP\" (already used by $.Resources[0]): resource names must be unique, ignoring case")]
    [InlineData("\"name\": \"nginx\",\n      ", "", R1 + ".name", "{\n      \"agent\": \"lsb:nginx\"", "missing required key \"name\" (expected the resource's unique name, such as \"vip\")")]
    [InlineData("\"agent\": \"lsb:nginx\",\n      ", "", R1 + ".agent", "{\n      \"name\": \"nginx\"", "missing required key \"agent\" (expected \"ocf:PROVIDER:TYPE\"")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "\"ocf:IPaddr2\"", R0 + ".agent", "^\"ocf:IPaddr2\"", "got \"ocf:IPaddr2\": an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "\"OCF:heartbeat:IPaddr2\"", R0 + ".agent", "^\"OCF", "the agent class is lowercase: ocf:heartbeat:IPaddr2")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "\"systemd:nginx\"", R0 + ".agent", "^\"systemd:nginx\"", "the agent must start with ocf:, lsb:, script: or builtin:")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "\"ocf:heart/beat:IPaddr2\"", R0 + ".agent", "^\"ocf:heart", "an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "42", R0 + ".agent", "\"agent\": ^42", "expected \"ocf:PROVIDER:TYPE\" (such as \"ocf:heartbeat:Dummy\"), \"lsb:NAME\" (/etc/init.d/NAME), \"script:/absolute/path\" (start, stop, check) or \"builtin:vip\", got 42")]
    [InlineData("\"lsb:nginx\"", "\"lsb:/etc/init.d/nginx\"", R1 + ".agent", "^\"lsb:/etc", "lsb:NAME names a script in /etc/init.d; use script:/path for a script elsewhere")]
    [InlineData("\"script:/etc/pha/backup.sh\"", "\"script:backup.sh\"", R2 + ".agent", "^\"script:backup.sh\"", "a script agent needs the absolute path of the script")]
    [InlineData("{\"target\": \"/srv/backup\"}", "{\"target\": 5}", R2 + ".params.target", "{\"target\": ^5}", "expected a string (write it in double quotes: \"5\"), got 5")]
    [InlineData("{\"target\": \"/srv/backup\"}", "[\"/srv/backup\"]", R2 + ".params", "\"params\": ^[", "expected an object of string values")]
    [InlineData("{\"target\": \"/srv/backup\"}", "{\"my target\": \"/srv/backup\"}", R2 + ".params['my target']", "^\"my target\"", "parameter name \"my target\" cannot be an environment variable")]
    [InlineData("{\"target\": \"/srv/backup\"}", "{\"CRM_meta_timeout\": \"1\"}", R2 + ".params.CRM_meta_timeout", "^\"CRM_meta_timeout\"", "is reserved: SplitGuard sets OCF_RESKEY_CRM_meta_* itself")]
    [InlineData("{\"target\": \"/srv/backup\"}", "{\"target\": \"a\", \"target\": \"b\"}", R2 + ".params.target", "\"a\", ^\"target\"", "duplicate key \"target\" (first given at line")]
    [InlineData("\"agent\": \"lsb:nginx\",", "\"agent\": \"lsb:nginx\", \"params\": {\"port\": \"80\"},", R1 + ".params", "^\"params\": {\"port\"", "an LSB init script takes no parameters")]
    [InlineData("\"timeouts\": {\"start\": 5, \"stop\": 7.5}", "\"timeouts\": {\"start\": 0, \"stop\": 7.5}", R0 + ".timeouts.start", "\"start\": ^0", "expected a number of seconds from 0.01 to 86400 (the start timeout; fractions such as 1.5 allowed), got 0")]
    [InlineData("\"timeouts\": {\"start\": 5, \"stop\": 7.5}", "\"timeouts\": {\"start\": \"5s\", \"stop\": 7.5}", R0 + ".timeouts.start", "^\"5s\"", "got \"5s\"")]
    [InlineData("\"timeouts\": {\"start\": 5, \"stop\": 7.5}", "\"timeouts\": {\"start\": 5, \"stopp\": 7.5}", R0 + ".timeouts.stopp", "^\"stopp\"", "unknown key \"stopp\" (did you mean \"stop\"?); allowed keys here: start, stop, monitor")]
    [InlineData("\"timeouts\": {\"start\": 5, \"stop\": 7.5}", "\"timeouts\": 20", R0 + ".timeouts", "\"timeouts\": ^20", "expected the timeouts object ({\"start\": 20, \"stop\": 20, \"monitor\": 20}, in seconds), got 20")]
    [InlineData("\"monitor_interval\": 2", "\"monitor_interval\": 100000", R0 + ".monitor_interval", "^100000", "expected a number of seconds from 0.01 to 86400 (time between monitors;")]
    [InlineData("\"fail_count\": 2", "\"fail_count\": 0", R0 + ".fail_count", "\"fail_count\": ^0", "expected an integer from 1 to 1000000 (failures on a node before the group moves), got 0")]
    [InlineData("\"fail_count\": 2", "\"fail_count\": 1.5", R0 + ".fail_count", "^1.5", "got 1.5")]
    [InlineData("\"fail_count\": 2", "\"failcount\": 2", R0 + ".failcount", "^\"failcount\"", "unknown key \"failcount\" (did you mean \"fail_count\"?); allowed keys here: name, agent, params, group, timeouts, monitor_interval, fail_count, ticket")]
    [InlineData("\"fail_count\": 2", "\"Name\": \"x\", \"fail_count\": 2", R0 + ".Name", "^\"Name\"", "unknown key \"Name\" (keys are case-sensitive: did you mean \"name\"?)")]
    [InlineData("\"group\": \"web\",\n      \"timeouts\"", "\"group\": \"nginx\",\n      \"timeouts\"", R0 + ".group", "\"group\": ^\"nginx\"", "group name \"nginx\" is also the name of the resource at $.Resources[1]: resources and groups share one set of names")]
    [InlineData("\"group\": \"web\",\n      \"ticket\"", "\"group\": \"Web\",\n      \"ticket\"", R1 + ".group", "^\"Web\"", "group \"Web\" differs only in case from group \"web\"")]
    [InlineData("\"group\": \"web\",\n      \"ticket\"", "\"group\": \"web!\",\n      \"ticket\"", R1 + ".group", "^\"web!\"", "expected a group name: 1 to 64 letters")]
    [InlineData("\"ticket\": \"site-a\"\n    },\n    {\n      \"name\": \"backup\"", "\"ticket\": \"site-b\"\n    },\n    {\n      \"name\": \"backup\"", R1 + ".ticket", "^\"site-b\"", "the members of group \"web\" must name the same ticket: $.Resources[0] names ticket \"site-a\", this one ticket \"site-b\"")]
    [InlineData(",\n      \"ticket\": \"site-a\"\n    },\n    {\n      \"name\": \"backup\"", "\n    },\n    {\n      \"name\": \"backup\"", R1 + ".ticket", "{\n      \"name\": \"nginx\"", "$.Resources[0] names ticket \"site-a\", this one no ticket")]
    [InlineData("\"ticket\": \"site-a\"\n    },\n    {\n      \"name\": \"nginx\"", "\"ticket\": 1\n    },\n    {\n      \"name\": \"nginx\"", R0 + ".ticket", "\"ticket\": ^1", "expected a ticket name")]
    [InlineData("\"ocf:heartbeat:IPaddr2\"", "\"builtin:ip\"", R0 + ".agent", "^\"builtin:ip\"", "the daemon has no built-in agent \"ip\"; the built-in agents are: builtin:vip")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"33\"}", R0 + ".params.cidr_netmask", "^\"cidr_netmask\": \"33\"", "expected a prefix length from 1 to 32, got \"33\"")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"ip\": \"10.0.0\", \"cidr_netmask\": \"24\"}", R0 + ".params.ip", "^\"ip\": \"10.0.0\"", "expected an IPv4 address in dotted form (such as \"10.0.0.10\"), got \"10.0.0\"")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"netmask\": \"24\"}", R0 + ".params.netmask", "^\"netmask\"", "builtin:vip has no parameter \"netmask\"; its parameters are ip, cidr_netmask, nic, arp_count, arp_interval")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"cidr_netmask\": \"24\"}", R0 + ".params", "^\"params\": {\"cidr", "builtin:vip needs the parameter \"ip\"")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"},", "\"builtin:vip\",", R0 + ".params", "{\n      \"name\": \"vip\"", "missing required key \"params\" (expected builtin:vip's parameters, at least its address")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"nic\": \"eth0:1\"}", R0 + ".params.nic", "^\"nic\"", "expected an interface name (1 to 15 characters, no '/', ':' or white space")]
    [InlineData("\"ocf:heartbeat:IPaddr2\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"cidr_netmask\": \"24\"}", "\"builtin:vip\",\n      \"params\": {\"ip\": \"10.0.0.10\", \"arp_interval\": \"0\"}", R0 + ".params.arp_interval", "^\"arp_interval\"", "expected milliseconds from 1 to 60000, got \"0\"")]
    public void One_mistake_gives_one_error_at_its_path_and_position(string from, string to, string path, string marker, string message)
    {
        var json = ResourceConfigText.Sample.ReplaceOnce(from, to);

        var error = ResourceConfigText.SingleError(json);

        ResourceConfigText.AssertAt(error, json, path, marker);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builtin_vip_takes_the_parameters_of_the_bundled_vip_agent()
    {
        var json = ResourceConfigText.Sample.ReplaceOnce("\"ocf:heartbeat:IPaddr2\"", "\"builtin:vip\"");

        var result = ResourceConfigText.Read(json);

        Assert.True(result.IsValid, string.Join("\n", result.FormatErrors("test.json")));
        var vip = result.Resources[0];
        Assert.True(vip.Agent.IsBuiltinVip);
        Assert.Equal("builtin:vip", vip.Agent.ToString());
        var problems = new List<(string? Key, string Message)>();
        var parsed = VipParams.Parse(vip.Params, problems);
        Assert.Empty(problems);
        Assert.Equal("10.0.0.10/24", parsed!.ToString());
        Assert.Null(parsed.Nic);
        Assert.Equal(VipParams.DefaultArpCount, parsed.ArpCount);
        Assert.Equal(VipParams.DefaultArpInterval, parsed.ArpInterval);
    }

    [Fact]
    public void Section_that_is_not_an_array_is_one_error()
    {
        var json = ConfigText.Minimal.ReplaceOnce("\n}", ",\n  \"Resources\": {\"name\": \"vip\"}\n}");

        var error = ResourceConfigText.SingleError(json);

        ResourceConfigText.AssertAt(error, json, "$.Resources", "\"Resources\": ^{");
        Assert.StartsWith("expected an array of resources ([{\"name\": \"vip\", \"agent\": \"ocf:heartbeat:IPaddr2\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_together_in_source_order()
    {
        var json = ResourceConfigText.Sample
            .ReplaceOnce("\"fail_count\": 2", "\"fail_count\": -1")
            .ReplaceOnce("\"lsb:nginx\"", "\"lsb:\"")
            .ReplaceOnce("{\"target\": \"/srv/backup\"}", "{\"target\": null}");

        var result = ResourceConfigText.Read(json);

        Assert.False(result.IsValid);
        Assert.Null(result.Groups);
        Assert.Equal([R0 + ".fail_count", R1 + ".agent", R2 + ".params.target"], result.Errors.Select(e => e.JsonPath));
        Assert.Equal(
            result.Errors.Select(e => (e.Line, e.Column)).Order(),
            result.Errors.Select(e => (e.Line, e.Column)));
        Assert.StartsWith("test.json:", result.FormatErrors("test.json")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_resource_that_is_not_an_object_is_named_by_index()
    {
        var json = ResourceConfigText.Sample.ReplaceOnce("\"Resources\": [", "\"Resources\": [\"vip\",");

        var error = ResourceConfigText.SingleError(json);

        ResourceConfigText.AssertAt(error, json, R0, "^\"vip\",");
        Assert.StartsWith("expected a resource object ({\"name\": ..., \"agent\": ...", error.Message, StringComparison.Ordinal);
    }
}
