using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;
using SplitGuard.Daemon.Cgroups;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// A small watchdog process beside the daemon (as sbd has): a bash script that reads a line from the daemon every
/// interval. When the daemon dies (end of file: kill -9, crash, out of memory) or stalls (no line for the detection
/// time: SIGSTOP, a freeze) while its resources were active, the guard stops them itself, in reverse order, each
/// stop killed after its timeout, so they are down before the daemon's lease ends and the peer takes over. At the hard
/// deadline (when the beats carry one) it kills what is left: every resource not cleanly stopped by then has its
/// cgroup killed (the same freeze, SIGKILL, thaw or cgroup.kill as <see cref="ResourceManager.HardKill(string, Action{HardKillReport})"/>, in
/// bash), its address removed and <c>stop_killed</c> written to the ownership log. The guard itself runs in no
/// resource cgroup (the daemon starts it, and the daemon is in none), so killing them never kills it.
/// </summary>
public sealed class Guard : IDisposable
{
    private readonly string _scriptPath;
    private readonly ILogger _log;
    private readonly TimeSpan _every;
    private Process? _process;
    private TimeSpan? _lastWrite;

    public Guard(string scriptPath, string node, IReadOnlyList<ResourceConfig> resources, AgentRunner runner, TimeSpan stallTimeout, TimeSpan every, string? ownershipLog, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _scriptPath = scriptPath;
        _log = log;
        _every = every;
        File.WriteAllText(scriptPath, Script(node, resources, runner, runner.Options.Cgroups, stallTimeout, ownershipLog));
        File.SetUnixFileMode(scriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Tells the guard the daemon is alive, whether resources are active, and how long the lease can still go without
    /// renewal (<paramref name="remaining"/>): if no beat comes within that time the guard acts. Restarts a guard that went away.
    /// </summary>
    public void Beat(TimeSpan now, bool active, TimeSpan remaining) => Beat(now, active, remaining, null);

    /// <summary>
    /// As <see cref="Beat(TimeSpan, bool, TimeSpan)"/>, with the hard deadline: <paramref name="hardRemaining"/> from now
    /// (at least <paramref name="remaining"/>) the guard, if it is acting, kills whatever its graceful stops have not
    /// stopped. Null: no hard deadline (graceful stops only).
    /// </summary>
    public void Beat(TimeSpan now, bool active, TimeSpan remaining, TimeSpan? hardRemaining)
    {
        if (_lastWrite is { } last && now - last < _every)
        {
            return;
        }

        _lastWrite = now;
        try
        {
            if (_process is null || _process.HasExited)
            {
                if (_process is not null)
                {
                    ResourceLog.GuardGone(_log, $"exited (code {_process.ExitCode})");
                    _process.Dispose();
                }

                _process = Start();
            }

            var seconds = Math.Max(0.001, remaining.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
            var hard = hardRemaining is { } h ? " " + Math.Max(remaining.TotalSeconds, h.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture) : string.Empty;
            _process.StandardInput.WriteLine(active ? $"active {seconds}{hard}" : "idle");
            _process.StandardInput.Flush();
        }
        catch (IOException e)
        {
            ResourceLog.GuardGone(_log, $"unreachable ({e.Message})");
            _process?.Dispose();
            _process = null;
        }
    }

    private Process Start()
    {
        var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add(_scriptPath);
        // One below the daemons' own threads: the guard preempts ordinary load, but its start-up (bash parsing the script,
        // perl compiling the kill program) never takes CPU from a daemon's event loop.
        var priority = Hosting.Realtime.Priority > 1 ? Hosting.Realtime.Priority - 1 : Hosting.Realtime.Priority;
        start.Environment["SPLITGUARD_GUARD_RR"] = priority.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new IOException("cannot start the guard process");
        ResourceLog.GuardStarted(_log, process.Id, _scriptPath);
        return process;
    }

    /// <summary>Clean stop: the daemon has stopped its resources itself; the guard exits without acting.</summary>
    public void Dispose()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.StandardInput.WriteLine("exit");
                _process.StandardInput.Flush();
                _process.WaitForExit(2000);
            }
        }
        catch (IOException)
        {
            // Already gone.
        }

        _process?.Dispose();
        try
        {
            File.Delete(_scriptPath);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static string Script(string node, IReadOnlyList<ResourceConfig> resources, AgentRunner runner, ResourceCgroups? cgroups, TimeSpan stallTimeout, string? ownershipLog)
    {
        var cg = cgroups is { Enabled: true } ? cgroups : null;
        var text = new StringBuilder();
        text.Append("#!/bin/bash\n# SplitGuard guard for node ").Append(node).Append(": written by the daemon, removed on clean exit.\n");
        // The guard acts when the daemon is stalled, and load is a cause of stalls: it runs under SCHED_RR one below the
        // daemon's priority (as sbd runs realtime), so that the load does not delay it too. Its graceful stops go back to the
        // normal policy below; only the waiting and the kill stay realtime.
        text.Append("[[ ${SPLITGUARD_GUARD_RR:-0} -gt 0 ]] && chrt --rr -p \"$SPLITGUARD_GUARD_RR\" $$ >/dev/null 2>&1\n");
        text.Append("log=").Append(Quote(ownershipLog ?? string.Empty)).Append('\n');
        // bash 5's EPOCHREALTIME: no fork for the time stamp; a third argument gives the time (the kill's).
        text.Append("mark() { [[ -n $log ]] && echo \"${3:-${EPOCHREALTIME/./}000} ").Append(node).Append(" $1 $2\" >>\"$log\"; }\n");
        if (cg is not null)
        {
            text.Append(CgroupShell.Functions);
        }

        // Graceful: each stop in reverse order, inside the resource's cgroup (the subshell joins it, then execs the stop),
        // killed after its timeout; with cgroups "stopped" also needs the cgroup empty: what the stop left there gets
        // SIGTERM at once, as the daemon's own stop does, then the wait. A clean stop leaves $0.ok.N.
        text.Append("stop_all() {\n");
        for (int i = resources.Count - 1; i >= 0; i--)
        {
            var resource = resources[i];
            if (runner.CommandFor(resource, AgentAction.Stop, resource.Timeouts.Stop) is not { } command)
            {
                continue;
            }

            var seconds = Math.Max(1, (int)Math.Ceiling(resource.Timeouts.Stop.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            text.Append("  mark ").Append(Quote(resource.Name)).Append(" stop_invoke\n");
            text.Append("  if ( ");
            foreach (var file in command.Cgroup)
            {
                text.Append("echo $BASHPID >").Append(Quote(file)).Append(" && ");
            }

            text.Append("exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C");
            foreach (var (key, value) in command.Environment)
            {
                text.Append(' ').Append(Quote(key + "=" + value));
            }

            text.Append(" timeout -s KILL ").Append(seconds).Append(" /usr/bin/setsid ").Append(Quote(command.Executable));
            foreach (var arg in command.Arguments)
            {
                text.Append(' ').Append(Quote(arg));
            }

            text.Append(" ) </dev/null >/dev/null 2>&1");
            if (cg?.ShellEmpty(resource.Name) is { } empty)
            {
                text.Append(" && cg_term").Append(cg.ShellDirs(resource.Name)).Append(" && cg_wait ").Append(seconds).Append(' ').Append(empty);
            }

            text.Append("; then mark ").Append(Quote(resource.Name)).Append(" stop_ok; : >\"$0.ok.").Append(i.ToString(CultureInfo.InvariantCulture))
                .Append("\"; else mark ").Append(Quote(resource.Name)).Append(" stop_failed; fi\n");
        }

        text.Append("  :\n}\n");

        // Hard: the perl kill program kills the cgroups of the resources without a clean stop and deletes their
        // addresses, says "K" (the time of the stop_killed lines), then "N empty?" for each.
        text.Append("hard_all() {\n  local n e r at\n  while read -r n e; do\n    case $n in\n      K) at=${EPOCHREALTIME/./}000; continue ;;\n");
        for (int i = resources.Count - 1; i >= 0; i--)
        {
            text.Append("      ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(") r=").Append(Quote(resources[i].Name)).Append(" ;;\n");
        }

        text.Append("      *) continue ;;\n    esac\n    if (( e == 0 )); then mark \"$r\" stop_killed \"$at\"; else mark \"$r\" stop_failed; fi\n  done\n}\n");
        text.Append("kill_program=").Append(Quote(CgroupShell.KillProgram)).Append('\n');
        text.Append("kill_specs=(");
        for (int i = resources.Count - 1; i >= 0; i--)
        {
            var resource = resources[i];
            text.Append(' ').Append(Quote(cgroups?.KillSpec(i, resource.Name) ?? CgroupShell.Spec(i, null, resource.Name)));
            if (AddressRemoval.IsAddressResource(resource))
            {
                resource.Params.TryGetValue("nic", out var nic);
                text.Append(' ').Append(Quote($"@{i.ToString(CultureInfo.InvariantCulture)}:{resource.Params["ip"]}:{nic}"));
            }
        }

        text.Append(" )\n");

        // The kill program is started now and waits for its word ("END GRACEFUL" on its stdin): an exec of perl takes
        // 10 to 20 ms after idle on a busy host, and must not lie between a stall and the hard kill. bash closes the
        // coprocess's descriptors in every child, so only this shell can give the word or end it (end of file).
        text.Append("coproc KILLER { perl -e \"$kill_program\" \"$0\" \"${kill_specs[@]}\" | hard_all; }\n");
        text.Append("killer=$KILLER_PID killer_in=${KILLER[1]}\n");
        var timeout = stallTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

        // The wait is perl's select(2): its timeout is relative and the kernel measures it on the monotonic clock, so a
        // step of the wall clock (NTP, date -s) neither fires it early nor delays it. bash's `read -t` computes its
        // deadline from gettimeofday and was fooled by such steps. perl-base is Essential in Debian; it has no
        // Time::HiRes, so the time since the last beat (for the hard deadline) comes from /proc/uptime (CLOCK_BOOTTIME,
        // 10 ms steps; one step is taken off so the kill is never late for it).
        // Exit 0: told to exit, or idle when the daemon went quiet; 2: the daemon stalled while active; 3: it died while active.
        // It prints "<seconds waited> <the hard deadline as an uptime, or none>" to $0.wait: an absolute time, because the
        // shell and the kill program take their time to start (tens of ms on a busy machine) and must not add it.
        text.Append("perl -e '\n");
        text.Append("  sub up { open(my $f, \"<\", \"/proc/uptime\") or return 0; my $l = <$f>; return (split / /, $l)[0]; }\n");
        text.Append("  my ($state, $wait, $hard, $beat, $buf) = (\"idle\", ").Append(timeout).Append(", -1, up(), \"\");\n");
        text.Append("  sub done { my $end = $hard < 0 ? \"none\" : $beat + $hard - 0.01; print STDERR \"$wait $end\\n\"; exit($_[0]); }\n");
        text.Append("  while (1) {\n");
        text.Append("    my $rin = \"\"; vec($rin, 0, 1) = 1;\n");
        text.Append("    my $n = select(my $rout = $rin, undef, undef, $wait);\n");
        text.Append("    next if $n < 0 && $!{EINTR};\n");
        text.Append("    if ($n == 0) { done($state eq \"active\" ? 2 : 0); }\n");
        text.Append("    my $got = sysread(STDIN, $buf, 4096, length $buf);\n");
        text.Append("    if (!$got) { done($state eq \"active\" ? 3 : 0); }\n");
        text.Append("    while ($buf =~ s/^([^\\n]*)\\n//) {\n");
        text.Append("      my $l = $1;\n");
        text.Append("      if ($l eq \"exit\") { exit 0; }\n");
        text.Append("      elsif ($l eq \"idle\") { ($state, $wait, $hard) = (\"idle\", ").Append(timeout).Append(", -1); }\n");
        text.Append("      elsif ($l =~ /^active (\\S+)(?: (\\S+))?$/) { ($state, $wait, $hard, $beat) = (\"active\", $1, defined $2 ? $2 : -1, up()); }\n");
        text.Append("    }\n");
        text.Append("  }\n");
        text.Append("' 2>\"$0.wait\"\n");
        text.Append(
            """
            rc=$?
            if (( rc == 2 || rc == 3 )); then
              if (( rc == 2 )); then why=stalled; else why=gone; fi
              read -r waited hard <"$0.wait"
              echo "splitguard guard: the daemon is $why (no word for $waited s); stopping its resources (hard deadline at uptime $hard s)" >&2
              rm -f "$0".ok.* "$0.alldone"
              ( chrt --other -p 0 $BASHPID >/dev/null 2>&1; stop_all; : >"$0.alldone" ) &
              graceful=$!
              if [[ $hard == none ]]; then
                eval "exec $killer_in>&-"
                wait "$graceful"
              else
                # Until the graceful stops are done or the hard deadline; then the graceful stops' shell is killed (it
                # writes nothing more) and the cgroups of the resources not cleanly stopped, all without forking.
                echo "$hard $graceful" >&"$killer_in"
                wait "$killer"
                wait "$graceful" 2>/dev/null
              fi
              rm -f "$0".ok.* "$0.alldone"
            fi
            rm -f "$0.wait"
            exit 0

            """);
        return text.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
