#!/usr/bin/env bash
# Builds the Debian package OUT_DIR/splitguard_<version>_amd64.deb from a Native AOT build that already exists:
#   packaging/deb.sh [NATIVE_DIR] [OUT_DIR]
# NATIVE_DIR (default out/native) must hold `splitguard` and `agents/` as packaging/native.sh writes them; this script
# never builds them. OUT_DIR defaults to out. Needs dpkg-deb and gzip; dpkg-shlibdeps (dpkg-dev) when present computes
# the C library dependency, else ldd and dpkg -S do. Runs as any user (dpkg-deb --root-owner-group makes every file
# root's). The last line printed is the package's path.
set -euo pipefail
repo=$(realpath "$(dirname "$0")/..")
# Arguments are relative to the caller's directory; the defaults to the checkout.
native=$(realpath -m "${1:-$repo/out/native}")
outdir=$(realpath -m "${2:-$repo/out}")
cd "$repo"

fail() {
    echo "packaging/deb.sh: $*" >&2
    exit 1
}

binary=$native/splitguard
vip=$native/agents/ocf/splitguard/vip
[[ -x $binary ]] || fail "no Native AOT build at $binary: build it first with packaging/native.sh${1:+ $1}"
[[ -f $vip ]] || fail "$vip is missing: $native is not a complete packaging/native.sh output; build it again"
for tool in dpkg-deb gzip; do
    command -v "$tool" >/dev/null || fail "$tool is needed (apt-get install dpkg gzip)"
done
# The package says amd64: the binary must be x86-64 (ELF e_machine 0x3e at offset 18).
[[ $(od -An -tx1 -j18 -N2 "$binary" | tr -d ' \n') == 3e00 ]] || fail "$binary is not an x86-64 executable"

# Version: the binary's own, without the +commit build metadata (1.0.0+3c0c998... -> 1.0.0).
version=$("$binary" --version) || fail "$binary --version failed"
version=${version%%+*}
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || fail "'$version' (from $binary --version) is not a Debian version"
changelog=packaging/debian/changelog
logged=$(sed -n '1s/^splitguard (\([^)]*\)).*/\1/p' "$changelog")
[[ $logged == "$version" ]] ||
    fail "the binary is version $version but $changelog begins with '${logged:-?}': add an entry for $version"

# The maintainer is the latest changelog entry's signer. Reproducible: every timestamp is that entry's date unless the
# caller sets SOURCE_DATE_EPOCH.
maintainer=$(sed -n 's/^ -- \(.*>\)  .*$/\1/p' "$changelog" | head -n 1)
stamp=$(sed -n 's/^ -- .*>  \(.*\)$/\1/p' "$changelog" | head -n 1)
[[ -n $maintainer && -n $stamp ]] || fail "$changelog: the latest entry has no ' -- NAME <MAIL>  DATE' line"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -d "$stamp" +%s)}

mkdir -p "$outdir"
work=$(mktemp -d "$outdir/.splitguard-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 022
root=$work/root
doc=$root/usr/share/doc/splitguard

install -D -m 0755 "$binary" "$root/usr/sbin/splitguard"
# The daemon looks for ocf:splitguard:vip under the OCF root first (its bundled copy beside the binary second).
install -D -m 0755 "$vip" "$root/usr/lib/ocf/resource.d/splitguard/vip"
install -D -m 0644 packaging/systemd/splitguard.service "$root/lib/systemd/system/splitguard.service"
install -D -m 0644 packaging/examples/splitguard.example.jsonc "$root/etc/splitguard/splitguard.json.example"
install -d -m 0750 "$root/var/lib/splitguard"
install -D -m 0644 packaging/completion/splitguard.bash "$root/usr/share/bash-completion/completions/splitguard"
install -d -m 0755 "$root/usr/share/man/man8" "$root/usr/share/man/man5" "$doc"
gzip -9n <packaging/man/splitguard.8 >"$root/usr/share/man/man8/splitguard.8.gz"
gzip -9n <packaging/man/splitguard.json.5 >"$root/usr/share/man/man5/splitguard.json.5.gz"
# A native package (the packaging lives with the source): its changelog is changelog.gz (Debian policy 12.7).
gzip -9n <"$changelog" >"$doc/changelog.gz"
install -m 0644 packaging/debian/copyright packaging/debian/README.Debian "$doc/"
install -D -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/splitguard"
chmod 0644 "$root"/usr/share/man/man*/*.gz "$doc/changelog.gz"

# Dependencies: what the binary links (libc6), OpenSSL (opened at run time for the frames' HMAC, so no tool sees
# it), ip(8) for the vip agent, deb-systemd-invoke for the prerm.
libs=''
if command -v dpkg-shlibdeps >/dev/null; then
    mkdir -p "$work/shlibs/debian"
    printf 'Source: splitguard\n\nPackage: splitguard\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
    libs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e"$root/usr/sbin/splitguard" 2>/dev/null) ||
        fail "dpkg-shlibdeps failed on $binary"
    libs=${libs#shlibs:Depends=}
else
    # Without dpkg-dev: the packages that own the libraries ldd resolves (unversioned).
    libs=$(ldd "$binary" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
        dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
    done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
fi
[[ -n $libs ]] || fail "could not tell which packages $binary needs"
depends="$libs, libssl3 | libssl3t64, iproute2, init-system-helpers (>= 1.54~)"

installed_size=$(du -sk --apparent-size "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: splitguard
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Recommends: resource-agents
Suggests: booth
Section: admin
Priority: optional
Description: cluster daemon keeping a service on exactly one node
 SplitGuard runs a service (a virtual IP address, OCF resource agents, LSB
 init scripts or simple scripts) on exactly one node of a small cluster and
 moves it to a survivor within a fraction of a second when its node dies or
 is cut off, never letting it run on two nodes at once.
 .
 Nodes exchange authenticated heartbeats over redundant UDP links and over
 ICMP links relayed by a witness host that runs no cluster software. Two
 nodes decide ownership with a lease and the witness; three or more elect a
 master by majority. A guard process stops the resources when the daemon dies
 or freezes, and an optional hardware watchdog resets a node whose resources
 cannot be stopped.
 .
 It reads sbp's configuration and speaks its socket API, and includes a
 ticket manager wire-compatible with ClusterLabs booth.
EOF
for script in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
while read -r conffile; do
    [[ -z $conffile || -f $root$conffile ]] || fail "DEBIAN/conffiles lists $conffile, which the package does not hold"
done <"$root/DEBIAN/conffiles"
# Checksums of every file but the conffiles (dpkg keeps theirs already), for debsums and dpkg --verify.
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
    grep -vxF -f <(sed 's|^/||' DEBIAN/conffiles) | xargs -d '\n' md5sum) >"$work/md5sums"
install -m 0644 "$work/md5sums" "$root/DEBIAN/md5sums"

deb=$outdir/splitguard_${version}_amd64.deb
dpkg-deb --root-owner-group --build "$root" "$work/package.deb" >/dev/null
mv -f "$work/package.deb" "$deb"
echo "$deb"
