#!/usr/bin/env bash
# Times ResourceManager.HardKill on a resource cgroup of 100 processes, alone and with an address to remove
# (issue 10; target: 5 ms).   sudo bench/hardkill/run.sh [ROUNDS]   (default 21: one warm-up round, 20 counted). SKIP_BUILD=1 uses the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) -eq 0 ]] || { echo "bench/hardkill/run.sh: needs root (cgroups, addresses)" >&2; exit 2; }
if [[ -z ${SKIP_BUILD:-} ]]; then
  dotnet build bench/hardkill/SplitGuard.HardKillBench.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
exec dotnet bench/hardkill/bin/Release/net10.0/hardkill-bench.dll "${1:-21}"
