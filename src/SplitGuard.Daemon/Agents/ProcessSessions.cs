using System.Globalization;

namespace SplitGuard.Daemon.Agents;

/// <summary>
/// Finds and kills the processes an agent left behind. Every agent action runs in a session of its own (setsid), so a
/// daemon a start action launched keeps that session id (and process group) unless it made a session of its own.
/// </summary>
public static class ProcessSessions
{
    /// <summary>The pids whose session or process group is one of <paramref name="ids"/>, read from /proc.</summary>
    public static IReadOnlyList<int> Members(IReadOnlyCollection<int> ids)
    {
        var found = new List<int>();
        if (ids.Count == 0)
        {
            return found;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }

            // pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses: split after the last ')'.
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                continue;
            }

            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length > 3
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var pgrp)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var session)
                && (ids.Contains(pgrp) || ids.Contains(session)))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    /// <summary>
    /// SIGKILL to every process of the sessions or groups <paramref name="ids"/>, then waits up to
    /// <paramref name="wait"/> until each is gone or a zombie (dead, not yet reaped); returns how many were signalled.
    /// </summary>
    public static int KillAll(IReadOnlyCollection<int> ids, TimeSpan wait)
    {
        var signalled = new List<int>();
        foreach (var pid in Members(ids))
        {
            if (ProcessGroups.KillProcess(pid) is null)
            {
                signalled.Add(pid);
            }
        }

        var until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (signalled.Any(IsLive) && System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            Thread.Sleep(5);
        }

        return signalled.Count;
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsLive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
