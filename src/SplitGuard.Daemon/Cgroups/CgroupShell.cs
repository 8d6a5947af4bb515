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
        # cg_term DIR...: SIGTERM to every process in the cgroup (what a stop that said "stopped" left there, as the
        # daemon's own stop does, and systemd after ExecStop); always succeeds.
        cg_term() { local f p; for f; do [[ -r $f/cgroup.procs ]] || continue; while read -r p; do kill -TERM "$p" 2>/dev/null; done <"$f/cgroup.procs"; done; return 0; }
        # cg_wait SECONDS CHECK...: polls CHECK every 5 ms until it succeeds or the time is up.
        cg_wait() { local n=$1 i; shift; for ((i = 0; i < n * 200; i++)); do "$@" && return 0; sleep 0.005; done; "$@"; }

        """;

    /// <summary>
    /// The guard's hard deadline, in perl (perl-base only: no modules), so that nothing forks between the deadline and
    /// the kill: waits until the graceful stops are done (file BASE.alldone) or the deadline (END, an uptime in seconds:
    /// /proc/uptime, not the wall clock, absolute so its own start-up costs nothing), SIGKILLs the graceful stops' shell (GRACEFUL pid: it must write nothing
    /// more), then, for every resource without a clean stop (no file BASE.ok.N), kills its cgroup (v1: as
    /// <see cref="CgroupV1Backend"/>, passes of SIGKILL, and only if new processes keep appearing freezer.state FROZEN,
    /// wait for FROZEN (50 ms at most), SIGKILL every pid, THAWED; v2: cgroup.kill, else SIGKILL every pid) and
    /// deletes its address by netlink (RTM_GETADDR to find it, RTM_DELADDR). Prints "K" at once when that is done (the
    /// moment ownership ended: a process with SIGKILL pending never runs user code again), then waits up to 1 s for
    /// the cgroups to be empty and prints "N 0" (empty) or "N 1" (not confirmed) per resource.
    /// Arguments: BASE SPEC... with SPEC = N:v1:FREEZERDIR:PIDSDIR, N:v2:DIR, N:none (cgroups) or @N:IP:NIC (the
    /// address of resource N; NIC may be empty). The guard starts it with its own start and keeps it waiting for one
    /// line on stdin, "END GRACEFUL", written when the daemon stalls or dies: so no exec of perl (10 to 20 ms after idle
    /// on a busy host, more than the whole margin of a 0.01 s stop budget) lies between the stall and the kill. End
    /// of file instead of that line: it exits and does nothing.
    /// </summary>
    public const string KillProgram =
        """
        $| = 1;
        sub up { open(my $f, "<", "/proc/uptime") or return 0; my $l = <$f>; return (split / /, $l)[0]; }
        sub rd { open(my $f, "<", $_[0]) or return ""; local $/; my $t = <$f>; return defined $t ? $t : ""; }
        sub wr { open(my $f, ">", $_[0]) or return 0; my $ok = syswrite($f, $_[1]); close($f); return $ok; }
        sub pids { my @d = @_; return map { rd("$_/cgroup.procs") =~ /(\d+)/g } @d; }
        sub empty { my ($kind, @d) = @_; return 0 if $kind eq "none"; return rd("$d[0]/cgroup.events") !~ /populated 1/ if $kind eq "v2"; return !pids(@d); }
        sub deladdr {
          my ($ip, $nic) = @_;
          my $want = pack("C4", split /\./, $ip);
          socket(my $s, 16, 3, 0) or return;
          send($s, pack("LSSLL", 24, 22, 0x301, 1, 0) . pack("CCCCL", 2, 0, 0, 0, 0), 0) or return;
          my (@del, $buf);
          DUMP: while (defined recv($s, $buf, 65536, 0)) {
            while (length($buf) >= 16) {
              my ($len, $type) = unpack("LS", $buf);
              last DUMP if $type == 3 || $type == 2 || $len < 16;
              if ($type == 20) {
                my ($fam, $plen, $fl, $scope, $idx) = unpack("CCCCL", substr($buf, 16, 8));
                for (my $off = 24; $off + 8 <= $len; ) {
                  my ($alen, $atype) = unpack("SS", substr($buf, $off, 4));
                  last if $alen < 4;
                  push @del, [$plen, $idx] if $atype == 2 && substr($buf, $off + 4, 4) eq $want;
                  $off += ($alen + 3) & ~3;
                }
              }
              substr($buf, 0, ($len + 3) & ~3) = "";
            }
          }
          my $only = $nic eq "" ? 0 : (rd("/sys/class/net/$nic/ifindex") =~ /(\d+)/)[0];
          for my $d (grep { !$only || $_->[1] == $only } @del) {
            send($s, pack("LSSLL", 40, 21, 5, 2, 0) . pack("CCCCL", 2, $d->[0], 0, 0, $d->[1]) . pack("SS", 8, 2) . $want . pack("SS", 8, 1) . $want, 0);
            recv($s, $buf, 4096, 0);
          }
        }
        my ($base, @specs) = @ARGV;
        my $go = <STDIN>;
        exit 0 if !defined $go;
        my ($end, $graceful) = split " ", $go;
        select(undef, undef, undef, 0.005) while !-e "$base.alldone" && up() < $end;
        kill 9, $graceful if $graceful > 1;
        my @todo = grep { !-e "$base.ok.$_->[0]" } map { [split /:/] } grep { !/^@/ } @specs;
        for my $t (@todo) {
          my ($n, $kind, @d) = @$t;
          if ($kind eq "v1") {
            # As CgroupV1Backend: passes of SIGKILL; the freezer only when new processes keep appearing.
            my (%sig, $settled);
            for (1 .. 3) { my @new = grep { !$sig{$_} } pids(@d); if (!@new) { $settled = 1; last; } kill 9, @new; $sig{$_} = 1 for @new; }
            if (!$settled && grep { !$sig{$_} } pids(@d)) {
              wr("$d[0]/freezer.state", "FROZEN");
              for (1 .. 50) { last if rd("$d[0]/freezer.state") =~ /^FROZEN/; select(undef, undef, undef, 0.001); }
              kill 9, pids(@d);
              wr("$d[0]/freezer.state", "THAWED");
            }
          } elsif ($kind eq "v2") {
            wr("$d[0]/cgroup.kill", "1") or kill 9, pids(@d);
          }
        }
        for (grep { /^@/ } @specs) {
          my ($n, $ip, $nic) = split /:/, substr($_, 1), 3;
          deladdr($ip, $nic // "") if !-e "$base.ok.$n";
        }
        print "K\n";
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
        return (backend is CgroupV1Backend ? "cg_empty_v1" : "cg_empty_v2") + Dirs(backend, cgroup);
    }

    /// <summary>The cgroup's directories (one per v1 hierarchy, one in v2), quoted for bash, each after a space: the arguments of cg_term.</summary>
    public static string Dirs(ICgroupBackend backend, string cgroup)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return string.Concat(backend.JoinFiles(cgroup).Select(f => " " + Quote(Path.GetDirectoryName(f)!)));
    }

    /// <summary>Single-quotes <paramref name="value"/> for bash.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
