using SplitGuard.Daemon.Cgroups;
using Xunit;

namespace SplitGuard.Core.Tests.Cgroups;

/// <summary>The v1 and v2 cgroup backends against a fake kernel: create, join files, kill order, empty detection, removal.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CgroupBackendTests
{
    private const string Cg = "splitguard/n1/web";
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void V1_creates_the_cgroup_in_both_hierarchies_and_an_agent_joins_both()
    {
        var kernel = new FakeCgroupKernel(v2: false);
        var backend = new CgroupV1Backend("/cg/freezer", "/cg/pids", kernel);

        backend.Create(Cg);

        Assert.True(kernel.Exists("/cg/freezer/splitguard/n1/web/freezer.state"));
        Assert.True(kernel.Exists("/cg/pids/splitguard/n1/web/cgroup.procs"));
        Assert.Equal(["/cg/freezer/splitguard/n1/web/cgroup.procs", "/cg/pids/splitguard/n1/web/cgroup.procs"], backend.JoinFiles(Cg));
        Assert.True(backend.IsEmpty(Cg));
        Assert.Equal("v1 (freezer+pids)", backend.Mode);
    }

    [Fact]
    public void V1_kill_signals_every_pid_once_and_sees_the_cgroup_empty_without_needing_the_freezer()
    {
        var kernel = new FakeCgroupKernel(v2: false);
        var backend = new CgroupV1Backend("/cg/freezer", "/cg/pids", kernel);
        backend.Create(Cg);
        kernel.AddProcess(201, "/cg/freezer/" + Cg, "/cg/pids/" + Cg);
        kernel.AddProcess(202, "/cg/freezer/" + Cg, "/cg/pids/" + Cg);
        Assert.False(backend.IsEmpty(Cg));
        Assert.Equal([201, 202], backend.Pids(Cg));

        var kill = backend.Kill(Cg, Wait);

        Assert.Equal(["kill 201", "kill 202"], kernel.Operations);
        Assert.Equal(2, kill.Killed);
        Assert.False(kill.Frozen);
        Assert.True(kill.Empty);
        Assert.Empty(kill.Remaining);
        Assert.Null(kill.Problem);
        Assert.False(kernel.IsAlive(201));
        Assert.True(backend.IsEmpty(Cg));
    }

    [Fact]
    public void V1_kill_of_processes_that_keep_forking_freezes_waits_for_frozen_kills_all_then_thaws()
    {
        var kernel = new FakeCgroupKernel(v2: false) { ForkOnKill = true, FreezingReads = 3 };
        var backend = new CgroupV1Backend("/cg/freezer", "/cg/pids", kernel);
        backend.Create(Cg);
        kernel.AddProcess(201, "/cg/freezer/" + Cg, "/cg/pids/" + Cg);

        var kill = backend.Kill(Cg, Wait);

        // Three passes each find the child forked by the one before; then the freezer, in this order.
        var writes = kernel.Operations.Where(o => o.StartsWith("write", StringComparison.Ordinal)).ToList();
        Assert.Equal(["write freezer.state FROZEN", "write freezer.state THAWED"], writes);
        var frozenAt = kernel.Operations.IndexOf("write freezer.state FROZEN");
        var thawedAt = kernel.Operations.IndexOf("write freezer.state THAWED");
        Assert.Equal(["kill 201", "kill 1000", "kill 1001"], kernel.Operations.Take(frozenAt));
        Assert.Equal(["kill 1002"], kernel.Operations.Skip(frozenAt + 1).Take(thawedAt - frozenAt - 1));
        Assert.True(kill.Frozen);
        Assert.True(kill.Empty);
        Assert.Equal(4, kill.Killed);
        Assert.False(kernel.IsAlive(1002));
        Assert.False(kernel.IsAlive(1003), "no process forked while frozen");
    }

    [Fact]
    public void V1_kill_with_a_process_in_D_state_kills_the_rest_waits_its_bound_and_reports_what_remains()
    {
        var kernel = new FakeCgroupKernel(v2: false);
        var backend = new CgroupV1Backend("/cg/freezer", "/cg/pids", kernel);
        backend.Create(Cg);
        kernel.AddProcess(301, "/cg/freezer/" + Cg, "/cg/pids/" + Cg);
        kernel.AddProcess(302, "/cg/freezer/" + Cg, "/cg/pids/" + Cg);
        kernel.Stuck.Add(302);
        var before = kernel.Now;

        var kill = backend.Kill(Cg, Wait);

        Assert.Equal(["kill 301", "kill 302"], kernel.Operations);
        Assert.False(kill.Empty);
        Assert.Equal([302], kill.Remaining);
        Assert.False(kernel.IsAlive(301));
        Assert.Equal(Wait, kernel.Now - before);
    }

    [Fact]
    public void V2_kill_writes_cgroup_kill_and_sees_populated_0()
    {
        var kernel = new FakeCgroupKernel(v2: true);
        var backend = new CgroupV2Backend("/sys/fs/cgroup", kernel);
        backend.Create(Cg);
        Assert.Equal(["/sys/fs/cgroup/splitguard/n1/web/cgroup.procs"], backend.JoinFiles(Cg));
        kernel.AddProcess(401, "/sys/fs/cgroup/" + Cg);
        kernel.AddProcess(402, "/sys/fs/cgroup/" + Cg);
        kernel.AddProcess(403, "/sys/fs/cgroup/" + Cg);
        Assert.False(backend.IsEmpty(Cg));

        var kill = backend.Kill(Cg, Wait);

        Assert.Equal(["write cgroup.kill 1"], kernel.Operations);
        Assert.Equal(3, kill.Killed);
        Assert.True(kill.Empty);
        Assert.True(backend.IsEmpty(Cg));
        Assert.Equal("v2", backend.Mode);
    }

    [Fact]
    public void V2_without_cgroup_kill_freezes_kills_each_pid_and_thaws()
    {
        var kernel = new FakeCgroupKernel(v2: true, hasKillFile: false);
        var backend = new CgroupV2Backend("/sys/fs/cgroup", kernel);
        backend.Create(Cg);
        kernel.AddProcess(501, "/sys/fs/cgroup/" + Cg);

        var kill = backend.Kill(Cg, Wait);

        Assert.Equal(["write cgroup.freeze 1", "kill 501", "write cgroup.freeze 0"], kernel.Operations);
        Assert.True(kill.Frozen);
        Assert.True(kill.Empty);
    }

    [Fact]
    public void WaitEmpty_gives_up_at_its_bound_and_succeeds_once_the_processes_are_gone()
    {
        var kernel = new FakeCgroupKernel(v2: true);
        var backend = new CgroupV2Backend("/sys/fs/cgroup", kernel);
        backend.Create(Cg);
        kernel.AddProcess(601, "/sys/fs/cgroup/" + Cg);
        var before = kernel.Now;

        Assert.False(backend.WaitEmpty(Cg, TimeSpan.FromMilliseconds(20)));
        Assert.Equal(TimeSpan.FromMilliseconds(20), kernel.Now - before);

        kernel.Kill(601);
        Assert.True(backend.WaitEmpty(Cg, TimeSpan.Zero));
    }

    [Fact]
    public void Remove_takes_the_empty_cgroup_and_empty_parents_but_leaves_another_nodes_cgroups()
    {
        var kernel = new FakeCgroupKernel(v2: true);
        var backend = new CgroupV2Backend("/sys/fs/cgroup", kernel);
        backend.Create("splitguard/n1/web");
        backend.Create("splitguard/n2/web");
        kernel.AddProcess(701, "/sys/fs/cgroup/splitguard/n2/web");

        Assert.True(backend.Remove("splitguard/n1/web"));
        Assert.False(kernel.Exists("/sys/fs/cgroup/splitguard/n1"));
        Assert.True(kernel.Exists("/sys/fs/cgroup/splitguard"));

        Assert.False(backend.Remove("splitguard/n2/web"), "a cgroup with a process in it stays");
        Assert.True(kernel.Exists("/sys/fs/cgroup/splitguard/n2/web"));
    }

    [Fact]
    public void ResourceCgroups_places_each_resource_under_the_node_and_says_none_without_a_backend()
    {
        var kernel = new FakeCgroupKernel(v2: true);
        var cgroups = new ResourceCgroups(new CgroupV2Backend("/sys/fs/cgroup", kernel), "n7", "v2");
        Assert.Null(cgroups.Prepare(["vip", "db"]));

        Assert.Equal("v2", cgroups.Mode);
        Assert.Equal(["/sys/fs/cgroup/splitguard/n7/db/cgroup.procs"], cgroups.JoinFiles("db"));
        Assert.Equal("3:v2:/sys/fs/cgroup/splitguard/n7/vip", cgroups.KillSpec(3, "vip"));

        var none = ResourceCgroups.None("not root (creating cgroups needs it)");
        Assert.False(none.Enabled);
        Assert.Equal("none: not root (creating cgroups needs it)", none.Mode);
        Assert.Empty(none.JoinFiles("vip"));
        Assert.Null(none.Kill("vip", Wait));
        Assert.True(none.IsEmpty("vip"));
        Assert.Equal("0:none", none.KillSpec(0, "vip"));
    }

    [Fact]
    public void The_guards_perl_kill_program_does_nothing_when_its_input_ends_without_the_word_to_go()
    {
        var root = Directory.CreateTempSubdirectory("sg-cgshell-").FullName;
        try
        {
            var v2 = Directory.CreateDirectory(Path.Combine(root, "v2")).FullName;
            File.WriteAllText(Path.Combine(v2, "cgroup.kill"), string.Empty);
            var run = new System.Diagnostics.ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-e", CgroupShell.KillProgram, Path.Combine(root, "guard.sh"), $"0:v2:{v2}" })
            {
                run.ArgumentList.Add(arg);
            }

            using var perl = System.Diagnostics.Process.Start(run)!;
            perl.StandardInput.Close();
            var stdout = perl.StandardOutput.ReadToEnd();
            var stderr = perl.StandardError.ReadToEnd();
            perl.WaitForExit();

            Assert.True(perl.ExitCode == 0, stderr);
            Assert.Equal(string.Empty, stdout);
            Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(v2, "cgroup.kill")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_guards_perl_kill_program_confirms_v1_and_v2_empty_writes_cgroup_kill_and_skips_cleanly_stopped_resources()
    {
        // A directory tree with the files the kernel would have; perl-base runs the program as the guard does. Nothing
        // is in the cgroups, so nothing is signalled; the files show what was written.
        var root = Directory.CreateTempSubdirectory("sg-cgshell-").FullName;
        try
        {
            string Dir(string path, params (string File, string Text)[] files)
            {
                var dir = Directory.CreateDirectory(Path.Combine(root, path)).FullName;
                foreach (var (file, text) in files)
                {
                    File.WriteAllText(Path.Combine(dir, file), text);
                }

                return dir;
            }

            var freezer = Dir("freezer/a", ("freezer.state", "FROZEN\n"), ("cgroup.procs", string.Empty));
            var pids = Dir("pids/a", ("cgroup.procs", string.Empty));
            var v2 = Dir("v2/b", ("cgroup.kill", string.Empty), ("cgroup.events", "populated 0\nfrozen 0\n"));
            var skipped = Dir("v2/c", ("cgroup.kill", string.Empty), ("cgroup.events", "populated 0\n"));
            var basePath = Path.Combine(root, "guard.sh");
            File.WriteAllText(basePath + ".ok.2", string.Empty); // resource 2 stopped cleanly

            var run = new System.Diagnostics.ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-e", CgroupShell.KillProgram, basePath, $"0:v1:{freezer}:{pids}", $"1:v2:{v2}", $"2:v2:{skipped}", "3:none", "@1:127.77.77.99:" })
            {
                run.ArgumentList.Add(arg);
            }

            using var perl = System.Diagnostics.Process.Start(run)!;
            perl.StandardInput.Write("0 0\n"); // the hard deadline (uptime 0: passed) and no graceful shell
            perl.StandardInput.Close();
            var stdout = perl.StandardOutput.ReadToEnd();
            var stderr = perl.StandardError.ReadToEnd();
            perl.WaitForExit();

            Assert.True(perl.ExitCode == 0, stderr);
            // "K" once killed (127.77.77.99 is on no interface: the netlink dump finds nothing to delete), then v1 and v2
            // empty; no cgroups: not confirmed.
            Assert.Equal("K\n0 0\n1 0\n3 1\n", stdout);
            Assert.Equal("FROZEN\n", File.ReadAllText(Path.Combine(freezer, "freezer.state"))); // no process: no freezer needed
            Assert.Equal("1", File.ReadAllText(Path.Combine(v2, "cgroup.kill")));
            Assert.Equal(string.Empty, File.ReadAllText(Path.Combine(skipped, "cgroup.kill")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
