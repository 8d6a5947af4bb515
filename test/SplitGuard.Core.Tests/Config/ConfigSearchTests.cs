using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class ConfigSearchTests
{
    private static readonly string[] Expected =
    [
        "/etc/splitguard/splitguard.json",
        "/etc/splitguard.json",
        "/etc/sbpd.conf",
        "/usr/local/etc/splitguard.json",
        "/usr/local/etc/sbpd.conf",
        "/opt/splitguard/bin/splitguard.json",
        "/opt/splitguard/bin/sbpd.conf",
    ];

    [Fact]
    public void SearchOrderIsThePackagedPathThenEtcThenUsrLocalEtcThenBesideTheBinary()
    {
        Assert.Equal(Expected, ConfigLoader.SearchPaths("/opt/splitguard/bin"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void FirstExistingFileWins(int firstPresent)
    {
        var present = Expected.Skip(firstPresent).ToHashSet();

        var found = ConfigLoader.FindConfigFile(null, "/opt/splitguard/bin", present.Contains);

        Assert.Equal(Expected[firstPresent], found);
    }

    [Fact]
    public void ExplicitPathWinsEvenWhenOthersExistOrItDoesNot()
    {
        var asked = new List<string>();

        var found = ConfigLoader.FindConfigFile("/tmp/lab.json", "/opt/bin", p =>
        {
            asked.Add(p);
            return true;
        });

        Assert.Equal("/tmp/lab.json", found);
        Assert.Empty(asked);
    }

    [Fact]
    public void NothingFoundIsNullAfterAskingEveryPlaceInOrder()
    {
        var asked = new List<string>();

        var found = ConfigLoader.FindConfigFile(null, "/opt/splitguard/bin", p =>
        {
            asked.Add(p);
            return false;
        });

        Assert.Null(found);
        Assert.Equal(Expected, asked);
    }

    [Fact]
    public void EmptyExplicitPathMeansSearch()
    {
        Assert.Equal("/etc/sbpd.conf", ConfigLoader.FindConfigFile(string.Empty, "/x", p => p == "/etc/sbpd.conf"));
    }
}
