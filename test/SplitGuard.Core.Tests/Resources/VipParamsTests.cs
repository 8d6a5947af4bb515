using SplitGuard.Core.Resources;
using Xunit;

namespace SplitGuard.Core.Tests.Resources;

public sealed class VipParamsTests
{
    private static (VipParams? Vip, List<(string? Key, string Message)> Problems) Parse(params (string Key, string Value)[] values)
    {
        var problems = new List<(string? Key, string Message)>();
        var vip = VipParams.Parse(values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal), problems);
        return (vip, problems);
    }

    [Fact]
    public void Every_parameter_is_read()
    {
        var (vip, problems) = Parse(("ip", "10.1.2.3"), ("cidr_netmask", "24"), ("nic", "eth1"), ("arp_count", "0"), ("arp_interval", "50"));

        Assert.Empty(problems);
        Assert.Equal(new VipParams(System.Net.IPAddress.Parse("10.1.2.3"), 24, "eth1", 0, TimeSpan.FromMilliseconds(50)), vip);
    }

    [Theory]
    [InlineData("10.1.2")]
    [InlineData("10.1.2.3.4")]
    [InlineData("10.1.2.256")]
    [InlineData("10.1.2.-1")]
    [InlineData("0x0a.1.2.3")]
    [InlineData("10.1.2.")]
    [InlineData("10.1.2.0003")]
    [InlineData("fe80::1")]
    [InlineData("")]
    public void Only_a_dotted_IPv4_address_is_an_ip(string text)
    {
        var (vip, problems) = Parse(("ip", text));

        Assert.Null(vip);
        Assert.Equal("ip", Assert.Single(problems).Key);
    }

    [Theory]
    [InlineData("cidr_netmask", "0")]
    [InlineData("cidr_netmask", "33")]
    [InlineData("cidr_netmask", "24 ")]
    [InlineData("arp_count", "1001")]
    [InlineData("arp_count", "-1")]
    [InlineData("arp_interval", "0")]
    [InlineData("arp_interval", "60001")]
    [InlineData("arp_interval", "1.5")]
    [InlineData("nic", "")]
    [InlineData("nic", "a-name-of-16-chr")]
    [InlineData("nic", "eth0:1")]
    [InlineData("nic", "eth 0")]
    [InlineData("nic", "..")]
    public void A_value_out_of_range_names_its_parameter(string key, string value)
    {
        var (vip, problems) = Parse(("ip", "10.1.2.3"), (key, value));

        Assert.Null(vip);
        Assert.Equal(key, Assert.Single(problems).Key);
    }

    [Fact]
    public void Every_problem_is_reported_not_only_the_first()
    {
        var (vip, problems) = Parse(("cidr_netmask", "40"), ("broadcast", "10.1.2.255"));

        Assert.Null(vip);
        Assert.Equal(["broadcast", null, "cidr_netmask"], problems.Select(p => p.Key));
    }
}
