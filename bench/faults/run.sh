#!/usr/bin/env bash
# Randomized fault runner (FAULTS.md F24): a seeded schedule of faults against real SplitGuard daemons in the
# namespace lab, an ownership log and a checker for definite and possible overlaps, and the report of FAULTS.md §3.
#
#   sudo bench/faults/run.sh [options]
#     --seed N         replay this schedule (default: random; the seed is printed first)
#     --minutes M      length of the run including the final quiet phase (default 5)
#     --nodes N        cluster members (default 2, plus the witness; 3+ is for N-node election, which the
#                      ownership code of this build does not have yet: docs/ownership.md)
#     --every S        one fault every S seconds (default 10)
#     --quiet S        final quiet phase: everything healed, one owner must emerge and stay (default 20)
#     --interval S     heartbeat interval of every link (default 0.05) ; --maxloss N (default 5)
#     --kinds LIST     fault kinds to draw from (default all): kill9 crash pause-short pause-long partition
#                      isolate oneway witness loss dup clock starve
#     --no-faketime    do not run the daemons under libfaketime (drops the wall-clock fault)
#     --verdict FILE   write a machine-checkable verdict (JSON)
#     --script LIST    a fixed schedule instead of random draws, one slot per item: KIND@TARGET[:ARG],...
#                      TARGET is a node (n1), "owner" or "other"; ARG is the loss % or the clock step in s,
#                      e.g. --script clock@n2:-600,crash@n2,crash@owner
#     --no-build       use the splitguard.dll already built ; --keep: keep the work directory
#
# A seed replays the same schedule of (fault, target role owner/random node, duration, parameter); which node
# is the owner at each slot depends on timing, so a replay may hit the other node for the same role.
# Each slot: one fault on a node (the owner 60 % of the time) for a random 20-50 % of the slot (pauses: 0.5 x
# detection or 2 x takeover time), then heal, then the cluster must show one owner answering the client.
# Per fault kind it prints calls / success / failure / skipped / auditfail. success: the expectation of the
# kind held (faults that kill nothing must not move the service; the others must end with one owner answering,
# and an owner killed, crashed, paused or isolated for longer than the takeover time + 0.8 s must have been
# replaced by another node before the heal);
# auditfail: the VIP was on two nodes at once during the slot. Exit 1 on a definite overlap (ownership log
# [start_ok, stop_invoke] intervals of two nodes intersect, or `ip monitor` saw the VIP on two nodes), 3 when
# the final quiet phase did not converge to one owner, 2 on a harness error.
# Not injected (printed as such): F11 delay, F14 monotonic jump. F12 swizzle-clog cuts 1-3 of n1, n2, w one after another. F8 is covered by "witness"
# (the witness answers only ICMP here). Needs root. Namespaces sgbx<4 hex>-*, addresses inside them only; removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "bench/faults/run.sh: needs root (namespaces, nftables, cgroups)" >&2; exit 2; }

build=1 keep=0 args=()
while (( $# )); do
  case $1 in
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    --seed|--minutes|--nodes|--every|--quiet|--interval|--maxloss|--kinds|--verdict|--script) args+=("$1" "$2"); shift ;;
    --no-faketime) args+=("$1") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "bench/faults/run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done

bench/setup.sh faketime || echo "bench/faults/run.sh: libfaketime could not be installed: the wall-clock fault is skipped" >&2
if (( build )); then
  flock /tmp/sg-build.lock dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
fi

prefix="sgbx$(printf '%04x' $((RANDOM)))"
work=$(mktemp -d /tmp/splitguard-faults.XXXXXX)
py=""
cleanup() {
  [[ -n $py ]] && kill -TERM "$py" 2>/dev/null && wait "$py" 2>/dev/null
  lab/net.sh down "$prefix" >/dev/null 2>&1 || true
  rmdir "/sys/fs/cgroup/cpu/$prefix-slow" 2>/dev/null || true
  if (( keep )); then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

set +e
/usr/bin/python3 bench/faults/faults.py --prefix "$prefix" --work "$work" "${args[@]}" &
py=$!
wait "$py"
rc=$?
py=""
exit $rc
