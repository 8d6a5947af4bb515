using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using SplitGuard.Core.Resources;
using SplitGuard.Daemon.Agents;

namespace SplitGuard.Daemon.Resources;

/// <summary>
/// A small watchdog process beside the daemon (as sbd has): a bash script that reads a line from the daemon every
/// interval. When the daemon dies (end of file: kill -9, crash, out of memory) or stalls (no line for the detection
/// time: SIGSTOP, a freeze) while its resources were active, the guard stops them itself, in reverse order, each
/// stop killed after its timeout, so they are down before the daemon's lease ends and the peer takes over.
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
        _scriptPath = scriptPath;
        _log = log;
        _every = every;
        File.WriteAllText(scriptPath, Script(node, resources, runner, stallTimeout, ownershipLog));
        File.SetUnixFileMode(scriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Tells the guard the daemon is alive, whether resources are active, and how long the lease can still go without
    /// renewal (<paramref name="remaining"/>): if no beat comes within that time the guard acts. Restarts a guard that went away.
    /// </summary>
    public void Beat(TimeSpan now, bool active, TimeSpan remaining)
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
                    _log.LogWarning("guard process exited (code {Code}); starting a new one", _process.ExitCode);
                    _process.Dispose();
                }

                _process = Start();
            }

            var seconds = Math.Max(0.001, remaining.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
            _process.StandardInput.WriteLine(active ? $"active {seconds}" : "idle");
            _process.StandardInput.Flush();
        }
        catch (IOException e)
        {
            _log.LogWarning("guard process unreachable ({Error}); starting a new one", e.Message);
            _process?.Dispose();
            _process = null;
        }
    }

    private Process Start()
    {
        var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardInput = true };
        start.ArgumentList.Add(_scriptPath);
        var process = Process.Start(start) ?? throw new IOException("cannot start the guard process");
        _log.LogInformation("guard process {Pid} watches this daemon ({Script})", process.Id, _scriptPath);
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

    private static string Script(string node, IReadOnlyList<ResourceConfig> resources, AgentRunner runner, TimeSpan stallTimeout, string? ownershipLog)
    {
        var text = new StringBuilder();
        text.Append("#!/bin/bash\n# SplitGuard guard for node ").Append(node).Append(": written by the daemon, removed on clean exit.\n");
        text.Append("log=").Append(Quote(ownershipLog ?? string.Empty)).Append('\n');
        text.Append("mark() { [[ -n $log ]] && echo \"$(date +%s%N) ").Append(node).Append(" $1 $2\" >>\"$log\"; }\n");
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
            text.Append("  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C");
            foreach (var (key, value) in command.Environment)
            {
                text.Append(' ').Append(Quote(key + "=" + value));
            }

            text.Append(" timeout -s KILL ").Append(seconds).Append(" /usr/bin/setsid ").Append(Quote(command.Executable));
            foreach (var arg in command.Arguments)
            {
                text.Append(' ').Append(Quote(arg));
            }

            text.Append(" </dev/null >/dev/null 2>&1 && mark ").Append(Quote(resource.Name)).Append(" stop_ok || mark ").Append(Quote(resource.Name)).Append(" stop_failed\n");
        }

        text.Append("}\n");
        var timeout = stallTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

        // The wait is perl's select(2): its timeout is relative and the kernel measures it on the monotonic clock, so a
        // step of the wall clock (NTP, date -s) neither fires it early nor delays it. bash's `read -t` computes its
        // deadline from gettimeofday and was fooled by such steps. perl-base is Essential in Debian.
        // Exit 0: told to exit, or idle when the daemon went quiet; 2: the daemon stalled while active; 3: it died while active.
        text.Append("perl -e '\n");
        text.Append("  my ($state, $wait, $buf) = (\"idle\", ").Append(timeout).Append(", \"\");\n");
        text.Append("  while (1) {\n");
        text.Append("    my $rin = \"\"; vec($rin, 0, 1) = 1;\n");
        text.Append("    my $n = select(my $rout = $rin, undef, undef, $wait);\n");
        text.Append("    next if $n < 0 && $!{EINTR};\n");
        text.Append("    if ($n == 0) { print STDERR \"$wait\\n\"; exit($state eq \"active\" ? 2 : 0); }\n");
        text.Append("    my $got = sysread(STDIN, $buf, 4096, length $buf);\n");
        text.Append("    if (!$got) { print STDERR \"$wait\\n\"; exit($state eq \"active\" ? 3 : 0); }\n");
        text.Append("    while ($buf =~ s/^([^\\n]*)\\n//) {\n");
        text.Append("      my $l = $1;\n");
        text.Append("      if ($l eq \"exit\") { exit 0; }\n");
        text.Append("      elsif ($l eq \"idle\") { ($state, $wait) = (\"idle\", ").Append(timeout).Append("); }\n");
        text.Append("      elsif ($l =~ /^active (\\S+)$/) { ($state, $wait) = (\"active\", $1); }\n");
        text.Append("    }\n");
        text.Append("  }\n");
        text.Append("' 2>\"$0.wait\"\n");
        text.Append("rc=$?\n");
        text.Append("if (( rc == 2 || rc == 3 )); then\n");
        text.Append("  if (( rc == 2 )); then why=stalled; else why=gone; fi\n");
        text.Append("  echo \"splitguard guard: the daemon is $why (no word for $(cat \"$0.wait\" 2>/dev/null) s); stopping its resources\" >&2\n");
        text.Append("  stop_all\n");
        text.Append("fi\n");
        text.Append("rm -f \"$0.wait\"\n");
        text.Append("exit 0\n");
        return text.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
