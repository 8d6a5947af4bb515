using System.Text;

namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// The cgroup kill in bash, for the guard script (which runs when the daemon is dead or stalled, so it cannot call
/// back into .NET): the same steps as <see cref="CgroupV1Backend.Kill"/> and <see cref="CgroupV2Backend.Kill"/>.
/// Each function returns 0 when the cgroup is empty afterwards (within about one second), 1 when not.
/// </summary>
public static class CgroupShell
{
    /// <summary>The bash functions <see cref="Kill"/> calls; defined once in the script.</summary>
    public const string Functions =
        """
        # cgroup v1: freeze (so nothing forks away), SIGKILL every pid, thaw (frozen processes die once thawed), wait for empty.
        cg_kill_v1() {
          local f=$1 p=$2 i pid
          [[ -d $f ]] || return 0
          echo FROZEN >"$f/freezer.state" 2>/dev/null
          for i in {1..50}; do [[ $(<"$f/freezer.state") == FROZEN ]] && break; sleep 0.001; done
          for pid in $(cat "$f/cgroup.procs" "$p/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
          echo THAWED >"$f/freezer.state" 2>/dev/null
          for i in {1..200}; do [[ -z $(cat "$f/cgroup.procs" "$p/cgroup.procs" 2>/dev/null) ]] && return 0; sleep 0.005; done
          return 1
        }
        # cgroup v2: cgroup.kill (Linux 5.14+; else SIGKILL each pid), wait for "populated 0".
        cg_kill_v2() {
          local d=$1 i pid
          [[ -d $d ]] || return 0
          if [[ -e $d/cgroup.kill ]]; then echo 1 >"$d/cgroup.kill" 2>/dev/null
          else for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done; fi
          for i in {1..200}; do grep -qx 'populated 0' "$d/cgroup.events" 2>/dev/null && return 0; sleep 0.005; done
          return 1
        }
        cg_empty_v1() { [[ -z $(cat "$1/cgroup.procs" "$2/cgroup.procs" 2>/dev/null) ]]; }
        cg_empty_v2() { [[ ! -e $1/cgroup.events ]] || grep -qx 'populated 0' "$1/cgroup.events"; }
        # cg_wait SECONDS CHECK...: polls CHECK every 5 ms until it succeeds or the time is up.
        cg_wait() { local n=$1 i; shift; for ((i = 0; i < n * 200; i++)); do "$@" && return 0; sleep 0.005; done; "$@"; }

        """;

    /// <summary>The call that kills <paramref name="cgroup"/> of <paramref name="backend"/>.</summary>
    public static string Kill(ICgroupBackend backend, string cgroup)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var dirs = backend.JoinFiles(cgroup).Select(f => Quote(Path.GetDirectoryName(f)!));
        var text = new StringBuilder(backend is CgroupV1Backend ? "cg_kill_v1" : "cg_kill_v2");
        foreach (var dir in dirs)
        {
            text.Append(' ').Append(dir);
        }

        return text.ToString();
    }

    /// <summary>The check that succeeds when <paramref name="cgroup"/> of <paramref name="backend"/> is empty.</summary>
    public static string Empty(ICgroupBackend backend, string cgroup)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return (backend is CgroupV1Backend ? "cg_empty_v1" : "cg_empty_v2")
            + string.Concat(backend.JoinFiles(cgroup).Select(f => " " + Quote(Path.GetDirectoryName(f)!)));
    }

    /// <summary>Single-quotes <paramref name="value"/> for bash.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
