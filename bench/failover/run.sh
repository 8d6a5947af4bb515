#!/usr/bin/env bash
# Failover benchmark: SplitGuard against keepalived and Corosync + Pacemaker, each on the same namespace lab
# (lab/net.sh: nodes n1 and n2, the witness w, a client namespace n3), one system after the other.
# Every system holds a virtual IP (SplitGuard and Pacemaker through ocf:heartbeat:IPaddr2, keepalived by VRRP);
# a UDP echo on each node answers with its node name; the client probes the VIP every 10 ms.
#
#   sudo bench/failover/run.sh [options]
#     --runs N            runs per fault case (default 10)
#     --quick             3 runs per case, 15 s loss phases, 10 s idle: for development, not for the doc
#     --loss-minutes M    minutes per loss level (default 1)
#     --loss LIST         loss levels in % (default 10,20,30; empty: no loss phase)
#     --idle-seconds S    idle-cost window (default 60; 0: none)
#     --systems LIST      from sg-default, sg-robust, sg-fast, ka-1, ka-0.1, ka-0.05, ka-0.01, pcmk-default, pcmk-300
#                         (default all). sg-default: interval 0.05 maxloss 5, IPaddr2 (packaging/examples/two-node.json);
#                         sg-robust and sg-fast: the profiles of docs/ownership.md with builtin:vip (interval
#                         0.005 maxloss 8 stop_budget 0.01; interval --fast-interval maxloss 4 stop_budget 0.01).
#                         A suffix -vip, -ipaddr2 or -builtin (builtin:vip) picks the VIP agent (sg-robust-ipaddr2);
#                         sg-i<interval>-m<maxloss>-b<stop budget> (sg-i0.01-m6-b0.05) measures any setting
#     --cases LIST        from crash, daemon, linkcut (default all)
#     --fast-interval S   SplitGuard fast profile interval (default 0.005)
#     --out FILE          results file (default bench/failover/results/<UTC time>.md, raw runs beside it as .json)
#     --write-doc         also replace the generated block of docs/performance.md's section
#                         "Failover against keepalived and Pacemaker"
#     --conditions TEXT   a sentence on the conditions of the run, printed with the table
#     --no-build          use the splitguard.dll already built
#     --keep              keep the work directory (logs, probe files, ownership logs)
#     --from-json FILE    no lab: re-render the table of an earlier run's raw .json (with --out / --write-doc)
#
# Measures per fault case (owner node crash, owner daemon kill -9, owner link cut): failover time (fault to the
# first answer from the new owner), dual ownership (ms both nodes held the VIP, from `ip monitor address`, and ms
# both answered); per loss level: VIP acquisitions (false failovers) with nothing killed; idle CPU s/min and RSS
# of each node's daemon process tree. Prints a markdown table with medians, p95, max and SplitGuard/peer ratios.
# Needs root. Namespaces are named sgbf<4 hex>-*, addresses 10.x.0.0/24 inside them only; removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
[[ $(id -u) -eq 0 ]] || { echo "bench/failover/run.sh: needs root (namespaces, nftables)" >&2; exit 2; }

build=1 keep=0 systems="" from_json="" args=()
cmdline="bench/failover/run.sh$(printf " %q" "$@")"
while (( $# )); do
  case $1 in
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    --systems) systems=$2; args+=("$1" "$2"); shift ;;
    --runs|--loss-minutes|--loss|--idle-seconds|--cases|--fast-interval|--out|--conditions|--tail|--start-timeout|--fault-timeout) args+=("$1" "$2"); shift ;;
    --quick|--write-doc) args+=("$1") ;;
    --from-json) from_json=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "bench/failover/run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ -n $from_json ]]; then exec /usr/bin/python3 bench/failover/bench.py --from-json "$from_json" "${args[@]}"; fi
if [[ -z $systems || $systems == *pcmk* ]]; then bench/setup.sh keepalived pacemaker; else bench/setup.sh keepalived; fi
if (( build )); then
  flock /tmp/sg-build.lock dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
fi

prefix="sgbf$(printf '%04x' $((RANDOM)))"
work=$(mktemp -d /tmp/splitguard-failover.XXXXXX)
py=""
cleanup() {
  [[ -n $py ]] && kill -TERM "$py" 2>/dev/null && wait "$py" 2>/dev/null
  lab/net.sh down "$prefix" >/dev/null 2>&1 || true
  if (( keep )); then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

/usr/bin/python3 bench/failover/bench.py --prefix "$prefix" --work "$work" --command "$cmdline" "${args[@]}" &
py=$!
wait "$py"
rc=$?
py=""
exit $rc
