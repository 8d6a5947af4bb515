using SplitGuard.Core.Resources;
using Xunit;

namespace SplitGuard.Core.Tests.Resources;

public sealed class AgentSpecTests
{
    [Theory]
    [InlineData("ocf:heartbeat:Dummy", AgentKind.Ocf, "heartbeat", "Dummy")]
    [InlineData("ocf:pacemaker:ping", AgentKind.Ocf, "pacemaker", "ping")]
    [InlineData("lsb:nginx", AgentKind.Lsb, null, "nginx")]
    [InlineData("script:/etc/pha/web.sh", AgentKind.Script, null, "/etc/pha/web.sh")]
    [InlineData("builtin:vip", AgentKind.Builtin, null, "vip")]
    public void Parses_the_four_forms_and_prints_them_back(string text, AgentKind kind, string? provider, string name)
    {
        var agent = AgentSpec.Parse(text, out var problem);

        Assert.Null(problem);
        Assert.Equal(new AgentSpec(kind, name, provider), agent);
        Assert.Equal(text, agent!.ToString());
    }

    [Theory]
    [InlineData("", "the agent must start with ocf:, lsb:, script: or builtin:")]
    [InlineData("ocf:Dummy", "an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("ocf:heartbeat:Dummy:x", "an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("ocf:..:Dummy", "an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("ocf:heartbeat:", "an OCF agent is ocf:PROVIDER:TYPE")]
    [InlineData("lsb:", "an LSB agent is lsb:NAME")]
    [InlineData("lsb:../x", "lsb:NAME names a script in /etc/init.d")]
    [InlineData("script:", "a script agent needs the absolute path")]
    [InlineData("script:/", "a script agent needs the absolute path")]
    [InlineData("script:/etc/pha/", "a script agent needs the absolute path")]
    [InlineData("Script:/x", "the agent class is lowercase: script:/x")]
    [InlineData("Builtin:vip", "the agent class is lowercase: builtin:vip")]
    [InlineData("builtin:", "the daemon has no built-in agent \"\"")]
    [InlineData("builtin:IPaddr2", "the daemon has no built-in agent \"IPaddr2\"; the built-in agents are: builtin:vip")]
    [InlineData("stonith:fence_xvm", "the agent must start with ocf:, lsb:, script: or builtin:")]
    public void Rejects_what_no_runner_could_run(string text, string problem)
    {
        Assert.Null(AgentSpec.Parse(text, out var why));
        Assert.StartsWith(problem, why, StringComparison.Ordinal);
    }
}
