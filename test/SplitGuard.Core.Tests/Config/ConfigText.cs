using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

/// <summary>Sample configurations and helpers shared by the config tests.</summary>
internal static class ConfigText
{
    /// <summary>sbp's documented shape, sbp's own paths, nothing SplitGuard-specific.</summary>
    public const string Sbp = """
        {
          "Cluster": [
            {
              "ID": 1000,
              "Members": [
                {"ID": 1, "Hostname": "node1"},
                {"ID": 2, "Hostname": "node2"}
              ],
              "links": [
                {
                  "ID": 1,
                  "type": "udp",
                  "interval": 1,
                  "maxloss": 3,
                  "Nodes": [
                    {"NodeID": 1, "IP": "192.168.1.1"},
                    {"NodeID": 2, "IP": "192.168.1.2"}
                  ]
                },
                {
                  "ID": 2,
                  "type": "icmp",
                  "interval": 0.1,
                  "maxloss": 5,
                  "ICMPIP": "192.168.1.3",
                  "Nodes": [
                    {"NodeID": 1, "IP": "192.168.1.1"},
                    {"NodeID": 2, "IP": "192.168.1.2"}
                  ]
                }
              ]
            }
          ],
          "System": {"udp_port": 5405, "foreground": true},
          "Logging": {"level": "DEBUG", "logfile": "/var/log/sbpd.log", "max_file_size": 20, "no_of_file": 3},
          "api": {"socket": "/run/sbpd.sock"}
        }
        """;

    /// <summary>The smallest valid file: one cluster, one icmp link, every optional key left out.</summary>
    public const string Minimal = """
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
          ]
        }
        """;

    /// <summary>Parses and asserts there is no error.</summary>
    public static SplitGuardConfig Valid(string json, string? source = "test.json")
    {
        var result = ConfigLoader.Parse(json, source);
        Assert.True(result.IsValid, string.Join("\n", result.FormatErrors()));
        Assert.Empty(result.Errors);
        return result.Config;
    }

    /// <summary>Parses and asserts there is at least one error.</summary>
    public static IReadOnlyList<ConfigError> Invalid(string json)
    {
        var result = ConfigLoader.Parse(json, "test.json");
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }

    /// <summary>Asserts that exactly one error was found and returns it.</summary>
    public static ConfigError SingleError(string json)
    {
        var errors = Invalid(json);
        Assert.True(errors.Count == 1, "expected one error, got:\n" + string.Join("\n", errors.Select(e => e.Format("test.json"))));
        return errors[0];
    }

    /// <summary>1-based line and column of the <paramref name="occurrence"/>-th (1-based) occurrence of <paramref name="marker"/>.</summary>
    public static (int Line, int Column) Locate(string json, string marker, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = json.IndexOf(marker, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"marker {marker} #{occurrence} not in the test text");
        }

        var line = 1 + json.AsSpan(0, index).Count('\n');
        var lineStart = json.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        if (index == 0)
        {
            lineStart = 0;
        }

        return (line, index - lineStart + 1);
    }

    /// <summary>
    /// Asserts <paramref name="error"/> has <paramref name="path"/> and sits at <paramref name="marker"/>;
    /// a '^' in the marker shows the exact character (else its first character).
    /// </summary>
    public static void AssertAt(ConfigError error, string json, string path, string marker, int occurrence = 1)
    {
        Assert.Equal(path, error.JsonPath);
        var caret = Math.Max(0, marker.IndexOf('^', StringComparison.Ordinal));
        var (line, column) = Locate(json, marker.Replace("^", string.Empty, StringComparison.Ordinal), occurrence);
        Assert.Equal((line, column + caret), (error.Line, error.Column));
    }

    /// <summary>Replaces the <paramref name="occurrence"/>-th (1-based) occurrence of <paramref name="from"/>.</summary>
    public static string ReplaceNth(this string json, string from, int occurrence, string to)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = json.IndexOf(from, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"{from} #{occurrence} not in the test text");
        }

        return string.Concat(json.AsSpan(0, index), to, json.AsSpan(index + from.Length));
    }

    /// <summary>Replaces the one occurrence of <paramref name="from"/>, failing when it is not exactly once.</summary>
    public static string ReplaceOnce(this string json, string from, string to)
    {
        var first = json.IndexOf(from, StringComparison.Ordinal);
        Assert.True(first >= 0, $"{from} not in the test text");
        Assert.True(json.IndexOf(from, first + 1, StringComparison.Ordinal) < 0, $"{from} occurs more than once");
        return string.Concat(json.AsSpan(0, first), to, json.AsSpan(first + from.Length));
    }
}
