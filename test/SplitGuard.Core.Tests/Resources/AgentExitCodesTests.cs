using SplitGuard.Core.Resources;
using Xunit;

namespace SplitGuard.Core.Tests.Resources;

public sealed class AgentExitCodesTests
{
    [Theory]
    [InlineData(AgentKind.Ocf, AgentAction.Start, "start")]
    [InlineData(AgentKind.Ocf, AgentAction.Stop, "stop")]
    [InlineData(AgentKind.Ocf, AgentAction.Monitor, "monitor")]
    [InlineData(AgentKind.Ocf, AgentAction.MetaData, "meta-data")]
    [InlineData(AgentKind.Lsb, AgentAction.Monitor, "status")]
    [InlineData(AgentKind.Lsb, AgentAction.MetaData, null)]
    [InlineData(AgentKind.Script, AgentAction.Start, "start")]
    [InlineData(AgentKind.Script, AgentAction.Stop, "stop")]
    [InlineData(AgentKind.Script, AgentAction.Monitor, "check")]
    [InlineData(AgentKind.Script, AgentAction.MetaData, null)]
    public void Verbs_follow_each_kind(AgentKind kind, AgentAction action, string? verb) =>
        Assert.Equal(verb, AgentExitCodes.Verb(kind, action));

    [Fact]
    public void Ocf_codes_0_to_9_are_taken_as_they_are_and_others_are_unknown()
    {
        for (var code = 0; code <= 9; code++)
        {
            Assert.Equal((AgentStatus)code, AgentExitCodes.Map(AgentKind.Ocf, AgentAction.Monitor, code));
        }

        Assert.Equal(AgentStatus.NotRunning, AgentExitCodes.Map(AgentKind.Ocf, AgentAction.Monitor, 7));
        Assert.Equal(AgentStatus.UnknownExitCode, AgentExitCodes.Map(AgentKind.Ocf, AgentAction.Start, 42));
        Assert.Equal(AgentStatus.UnknownExitCode, AgentExitCodes.Map(AgentKind.Ocf, AgentAction.Start, 137));
        Assert.Equal(AgentStatus.UnknownExitCode, AgentExitCodes.Map(AgentKind.Ocf, AgentAction.Start, -1));
    }

    [Theory]
    [InlineData(AgentAction.Monitor, 0, AgentStatus.Ok)]
    [InlineData(AgentAction.Monitor, 1, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Monitor, 2, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Monitor, 3, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Monitor, 4, AgentStatus.GenericError)]
    [InlineData(AgentAction.Monitor, 7, AgentStatus.UnknownExitCode)]
    [InlineData(AgentAction.Start, 0, AgentStatus.Ok)]
    [InlineData(AgentAction.Start, 1, AgentStatus.GenericError)]
    [InlineData(AgentAction.Start, 5, AgentStatus.NotInstalled)]
    [InlineData(AgentAction.Stop, 7, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Stop, 8, AgentStatus.UnknownExitCode)]
    public void Lsb_status_has_its_own_codes_and_start_stop_share_ocf(AgentAction action, int code, AgentStatus status) =>
        Assert.Equal(status, AgentExitCodes.Map(AgentKind.Lsb, action, code));

    [Theory]
    [InlineData(AgentAction.Monitor, 0, AgentStatus.Ok)]
    [InlineData(AgentAction.Monitor, 1, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Monitor, 7, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Monitor, 255, AgentStatus.NotRunning)]
    [InlineData(AgentAction.Start, 0, AgentStatus.Ok)]
    [InlineData(AgentAction.Start, 7, AgentStatus.GenericError)]
    [InlineData(AgentAction.Stop, 3, AgentStatus.GenericError)]
    public void Pha_scripts_say_only_zero_or_not(AgentAction action, int code, AgentStatus status) =>
        Assert.Equal(status, AgentExitCodes.Map(AgentKind.Script, action, code));

    [Fact]
    public void Hard_errors_are_2_4_5_6()
    {
        var hard = Enum.GetValues<AgentStatus>().Where(AgentExitCodes.IsHardError).ToList();
        Assert.Equal([AgentStatus.InvalidArguments, AgentStatus.InsufficientPrivileges, AgentStatus.NotInstalled, AgentStatus.NotConfigured], hard);
    }
}
