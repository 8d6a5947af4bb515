namespace SplitGuard.Daemon.Cgroups;

/// <summary>
/// The cgroup kill in bash, for the guard script (which runs when the daemon is dead or stalled, so it cannot call
/// back into .NET): the same steps as <see cref="CgroupV1Backend.Kill"/> and <see cref="CgroupV2Backend.Kill"/>.
/// Each function returns 0 when the cgroup is empty afterwards (within about one second), 1 when not.
/// </summary>
public static class CgroupShell
{
    /// <summary>The bash functions the guard's graceful stops use to wait for an empty cgroup; defined once in the script.</summary>
    public const string Functions =
        """
        cg_empty_v1() { [[ -z $(cat "$1/cgroup.procs" "$2/cgroup.procs" 2>/dev/null) ]]; }
        cg_empty_v2() { [[ ! -e $1/cgroup.events ]] || grep -qx 'populated 0' "$1/cgroup.events"; }
        # cg_wait SECONDS CHECK...: polls CHECK every 5 ms until it succeeds or the time is up.
        cg_wait() { local n=$1 i; shift; for ((i = 0; i < n * 200; i++)); do "$@" && return 0; sleep 0.005; done; "$@"; }

        """;

    /// <summary>
    /// The guard's hard deadline, in perl (perl-base only: no modules), so that nothing forks between the deadline and
    /// the kill: waits until the graceful stops are done (file BASE.alldone) or the deadline (LEFT seconds, on
    /// /proc/uptime, not the wall clock), SIGKILLs the graceful stops' shell (GRACEFUL pid: it must write nothing
    /// more), then kills the cgroup of every resource without a clean stop (no file BASE.ok.N): v1 freezer.state
    /// FROZEN, wait for FROZEN (50 ms at most), SIGKILL every pid, THAWED; v2 cgroup.kill (else SIGKILL every pid).
    /// Then waits up to 1 s for them to be empty and prints "N 0" (empty) or "N 1" (not confirmed) per resource.
    /// Arguments: LEFT BASE GRACEFUL SPEC... with SPEC = N:v1:FREEZERDIR:PIDSDIR, N:v2:DIR or N:none.
    /// </summary>
    public const string KillProgram =
        """
        sub up { open(my $f, "<", "/proc/uptime") or return 0; my $l = <$f>; return (split / /, $l)[0]; }
        sub rd { open(my $f, "<", $_[0]) or return ""; local $/; my $t = <$f>; return defined $t ? $t : ""; }
        sub wr { open(my $f, ">", $_[0]) or return 0; my $ok = syswrite($f, $_[1]); close($f); return $ok; }
        sub pids { my @d = @_; return map { rd("$_/cgroup.procs") =~ /(\d+)/g } @d; }
        sub empty { my ($kind, @d) = @_; return 0 if $kind eq "none"; return rd("$d[0]/cgroup.events") !~ /populated 1/ if $kind eq "v2"; return !pids(@d); }
        my ($left, $base, $graceful, @specs) = @ARGV;
        my $end = up() + $left;
        select(undef, undef, undef, 0.005) while !-e "$base.alldone" && up() < $end;
        kill 9, $graceful if $graceful > 1;
        my @todo = grep { !-e "$base.ok.$_->[0]" } map { [split /:/] } @specs;
        for my $t (@todo) {
          my ($n, $kind, @d) = @$t;
          if ($kind eq "v1") {
            wr("$d[0]/freezer.state", "FROZEN");
            for (1 .. 50) { last if rd("$d[0]/freezer.state") =~ /^FROZEN/; select(undef, undef, undef, 0.001); }
            kill 9, pids(@d);
            wr("$d[0]/freezer.state", "THAWED");
          } elsif ($kind eq "v2") {
            wr("$d[0]/cgroup.kill", "1") or kill 9, pids(@d);
          }
        }
        my $until = up() + 1;
        for my $t (@todo) {
          my ($n, $kind, @d) = @$t;
          select(undef, undef, undef, 0.002) while $kind ne "none" && !empty($kind, @d) && up() < $until;
          print "$n ", (empty($kind, @d) ? 0 : 1), "\n";
        }
        """;

    /// <summary>The <see cref="KillProgram"/> spec of resource number <paramref name="index"/> in <paramref name="cgroup"/> (null backend: none).</summary>
    public static string Spec(int index, ICgroupBackend? backend, string cgroup)
    {
        var n = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (backend is null)
        {
            return n + ":none";
        }

        return n + (backend is CgroupV1Backend ? ":v1" : ":v2") + string.Concat(backend.JoinFiles(cgroup).Select(f => ":" + Path.GetDirectoryName(f)));
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
