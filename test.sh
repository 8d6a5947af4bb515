#!/usr/bin/env bash
# Runs every test tier of SplitGuard and prints one summary line: "N passed, N failed, N skipped".
#   ./test.sh            all tiers (the lab tier needs root: namespaces, nftables, raw ICMP)
#   ./test.sh --no-lab   unit, simulation and real-socket tiers only
# Exit status is non-zero when any test failed or a tier could not run.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
lab=1
[[ "${1:-}" == "--no-lab" ]] && lab=0

if (( lab )) && [[ $(id -u) -eq 0 ]]; then
  lab/setup.sh || { echo "test.sh: lab/setup.sh failed" >&2; }
fi

echo "== build"
if ! dotnet build SplitGuard.slnx -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed, 0 skipped (the build failed)"
  exit 1
fi

projects=(test/SplitGuard.Protocol.Tests test/SplitGuard.Core.Tests test/SplitGuard.Daemon.Tests)
[[ -d test/SplitGuard.Client.Tests ]] && projects+=(test/SplitGuard.Client.Tests)
(( lab )) && projects+=(test/SplitGuard.Lab.Tests)

status=0
for p in "${projects[@]}"; do
  name=$(basename "$p")
  echo "== $name"
  # The .deb test needs the package the native tier builds; it runs there.
  filter=()
  [[ $name == SplitGuard.Lab.Tests ]] && filter=(--filter "FullyQualifiedName!~Packaging.DebPackageTests")
  dotnet test "$p" -c Release --no-build -nologo "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" || status=1
done

# Native tier (issue 14): the Native AOT executable (packaging/native.sh), which needs no .NET where it runs, under a
# set of lab tests that covers the daemon, the guard, builtin:vip, reload, operator commands, the socket API and booth;
# then the .deb (packaging/deb.sh) installed, run as systemd would, removed and purged (Packaging/DebPackageTests).
if (( lab )) && [[ $(id -u) -eq 0 ]]; then
  echo "== native (packaging/native.sh, then lab tests against out/native/splitguard)"
  if packaging/native.sh "$root/out/native" && deb=$(packaging/deb.sh "$root/out/native" "$root/out" | tail -n 1); then
    SPLITGUARD_DEB="$deb" SPLITGUARD_BINARY="$root/out/native/splitguard" dotnet test test/SplitGuard.Lab.Tests -c Release --no-build -nologo \
      --filter "FullyQualifiedName~ReloadTests|FullyQualifiedName~OperatorCommandTests|FullyQualifiedName~OwnerCrashTests|FullyQualifiedName~BuiltinVipTests|FullyQualifiedName~Booth.LiveScenarioTests|FullyQualifiedName~Api.SbpApiLabTests|FullyQualifiedName~RealtimeSchedulingTests|FullyQualifiedName~ConfigCheckTests|FullyQualifiedName~Packaging.DebPackageTests" \
      --logger "trx;LogFileName=native.trx" --results-directory "$results" \
      --logger "console;verbosity=normal" || status=1
  else
    echo "FAILED packaging/native.sh or packaging/deb.sh: the Native AOT build or the .deb failed"
    status=1
  fi
fi

# Randomized fault run (FAULTS.md F24, bench/faults): one test, 5 minutes, needs root; its report goes to this log.
faults_p=0 faults_f=0 faults_s=0
if (( lab )); then
  if [[ $(id -u) -ne 0 && ${CI:-} == true ]]; then faults_f=1; echo "== bench/faults: FAILED: needs root, and CI must run it"
  elif [[ $(id -u) -ne 0 ]]; then faults_s=1; echo "== bench/faults: skipped (needs root)"
  else
    # Without the wall-clock kind: a daemon under libfaketime stamps its ownership-log lines with its faked clock, which
    # the log audit cannot order reliably (it reported overlaps `ip monitor` did not see). F13 has lab tests of its own
    # (Ownership/WallClockStep*Tests), judged on `ip monitor` and the client.
    echo "== bench/faults (--minutes 5 --no-faketime)"
    if bench/faults/run.sh --minutes 5 --no-build --no-faketime; then faults_p=1; else faults_f=1; fi
  fi
fi

read -r passed failed skipped < <(python3 - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find(".//{*}Counters")
    if c is None:
        continue
    p += int(c.get("passed", 0))
    f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(p, f, s)
PY
)
# Name every failed test right above the summary: CI keeps only the tail of this log.
python3 - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(path).getroot().iterfind(".//{*}UnitTestResult"):
        if r.get("outcome") not in ("Passed", "NotExecuted", "Inconclusive"):
            msg = r.find(".//{*}Message")
            first = (msg.text or "").strip().splitlines()[0][:300] if msg is not None and msg.text else ""
            tier = " [native binary]" if path.endswith("/native.trx") else ""
            print(f"FAILED {r.get('testName')}{tier} ({r.get('duration')}): {first}")
PY
(( faults_f )) && echo "FAILED bench/faults/run.sh (its report and seed are above)"
passed=$((passed + faults_p)); failed=$((failed + faults_f)); skipped=$((skipped + faults_s))
if (( status != 0 && failed == 0 )); then
  failed=1  # a test host crashed or a project did not run: count it, never pass silently
fi
echo "$passed passed, $failed failed, $skipped skipped"
(( status == 0 && failed == 0 ))
