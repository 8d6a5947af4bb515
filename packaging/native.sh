#!/usr/bin/env bash
# Builds the `splitguard` executable with Native AOT (no .NET needed where it runs) into DIR (default out/native):
# DIR/splitguard and, beside it, the bundled agents (agents/ocf/splitguard/vip). Needs the .NET SDK, a C toolchain to
# link (clang, or gcc, which the SDK falls back to) and zlib1g-dev; as root the script installs what is missing.
#   packaging/native.sh [DIR]
# The publish restores with the AOT compiler packages for linux-x64; that restore is written to obj/native.packages.lock.json
# of each project, not to the committed lock files (which describe the portable build).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-out/native}")
missing=()
command -v clang >/dev/null || command -v gcc >/dev/null || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "packaging/native.sh: Native AOT needs ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 2
  fi
fi
rm -rf "$out"
dotnet publish src/SplitGuard -c Release -r linux-x64 -p:PublishAot=true \
  -p:NuGetLockFilePath=obj/native.packages.lock.json -p:RestoreLockedMode=false \
  -o "$out" -nologo -clp:ErrorsOnly
# Debug symbols and XML docs stay out of what ships.
rm -f "$out"/*.dbg "$out"/*.pdb "$out"/*.xml
echo "$out/splitguard ($(du -h "$out/splitguard" | cut -f1))"
