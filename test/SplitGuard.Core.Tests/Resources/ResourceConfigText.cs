using SplitGuard.Core.Config;
using SplitGuard.Core.Tests.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Resources;

/// <summary>A configuration file with a <c>Resources</c> section, read the way the daemon reads it.</summary>
internal static class ResourceConfigText
{
    /// <summary>A virtual IP and a web server in group "web", and a stand-alone pha-style script.</summary>
    public const string Sample = """
        {
          "Cluster": [
            {
              "ID": 7,
              "Members": [{"ID": 1, "Hostname": "a"}, {"ID": 2, "Hostname": "b"}],
              "links": [
                {"ID": 1, "type": "icmp", "interval": 0.05, "maxloss": 5, "ICMPIP": "10.0.0.3",
                 "Nodes": [{"NodeID": 1, "IP": "10.0.0.1"}, {"NodeID": 2, "IP": "10.0.0.2"}]}
              ]
            }
          ],
          "Resources": [
            {
              "name": "vip",
              "agent": "ocf:heartbeat:IPaddr2",
              "params": {"ip": "10.0.0.10", "cidr_netmask": "24"},
              "group": "web",
              "timeouts": {"start": 5, "stop": 7.5},
              "monitor_interval": 2,
              "fail_count": 2,
              "ticket": "site-a"
            },
            {
              "name": "nginx",
              "agent": "lsb:nginx",
              "group": "web",
              "ticket": "site-a"
            },
            {
              "name": "backup",
              "agent": "script:/etc/pha/backup.sh",
              "params": {"target": "/srv/backup"}
            }
          ]
        }
        """;

    /// <summary>Parses the whole file (which must be valid apart from Resources) and reads its Resources section.</summary>
    public static ResourcesResult Read(string json)
    {
        var config = ConfigLoader.Parse(json, "test.json");
        Assert.True(config.IsValid, string.Join("\n", config.FormatErrors()));
        return ResourceConfigReader.Read(config.ReservedSections.GetValueOrDefault(ResourceConfigReader.SectionName));
    }

    /// <summary>Reads and asserts exactly one error, which it returns.</summary>
    public static ConfigError SingleError(string json)
    {
        var result = Read(json);
        Assert.False(result.IsValid);
        Assert.Null(result.Resources);
        Assert.True(result.Errors.Count == 1, "expected one error, got:\n" + string.Join("\n", result.FormatErrors("test.json")));
        return result.Errors[0];
    }

    /// <summary>Same as <see cref="ConfigText.AssertAt"/>.</summary>
    public static void AssertAt(ConfigError error, string json, string path, string marker, int occurrence = 1) =>
        ConfigText.AssertAt(error, json, path, marker, occurrence);
}
