using SplitGuard.Daemon.Hosting;
using Xunit;

namespace SplitGuard.Daemon.Tests;

/// <summary>What the control socket answers to `reload` (the CLI prints "message", or "error" and exits 1).</summary>
public sealed class ReloadReportTests
{
    [Fact]
    public void Errors_make_a_refusal_that_lists_each_error_and_nothing_applied()
    {
        var json = new ReloadReport([], [], ["f.json:3:7: $.Logging.level: bad", "f.json:9:1: $.x: unknown"]).ToJson();

        Assert.False(json["ok"]!.GetValue<bool>());
        var error = json["error"]!.GetValue<string>();
        Assert.StartsWith("reload refused, nothing changed (2 error(s)):", error, StringComparison.Ordinal);
        Assert.Contains("f.json:9:1: $.x: unknown", error, StringComparison.Ordinal);
        Assert.Equal(2, json["errors"]!.AsArray().Count);
        Assert.Null(json["applied"]);
    }

    [Fact]
    public void A_reload_names_what_it_applied_and_what_waits_for_a_restart()
    {
        var json = new ReloadReport(["$.Logging.level"], ["$.Cluster", "$.Resources[name=web].agent"], []).ToJson();

        Assert.True(json["ok"]!.GetValue<bool>());
        Assert.Equal(
            $"reloaded: applied $.Logging.level{Environment.NewLine}not applied, take effect when the daemon restarts: $.Cluster, $.Resources[name=web].agent",
            json["message"]!.GetValue<string>());
        Assert.Equal(["$.Cluster", "$.Resources[name=web].agent"], json["needs_restart"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void A_reload_of_an_unchanged_file_says_so()
    {
        var json = new ReloadReport([], [], []).ToJson();

        Assert.Equal("reloaded: no run-time setting differs from the start", json["message"]!.GetValue<string>());
        Assert.Empty(json["applied"]!.AsArray());
    }
}
