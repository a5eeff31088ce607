#!/usr/bin/env bash
# Release check: the release tarball runs on a machine without Swift.
#  1. A minimal Debian root (debootstrap --variant=minbase, the suite of this machine) with only the packages in
#     deploy/runtime-packages.txt (the Dockerfile installs the same list), cached in .build-clean-root/ and
#     rebuilt when the list changes. Each run works in a fresh copy of it.
#  2. In that root (chroot): the README's install steps (sha256sum -c, tar -x, install), `kb4-events --version`,
#     the demo sync (in-process simulator) and `verify`, as an unprivileged user.
#  3. On this machine with the Swift toolchain hidden (unshare -m + a tmpfs over its folder): `--version`, the
#     demo sync and `verify` again.
#   scripts/check-clean-root.sh [dist/kb4-events-<version>-linux-<arch>.tar.gz]     (root; needs the network to
#   Debian's mirror the first time)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
say() { printf 'clean-root: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }
t0=$SECONDS

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, unshare)"
# --- 1. the cached minimal root -------------------------------------------------------------------------------
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
. /etc/os-release
suite=$VERSION_CODENAME
# The Debian mirror this machine's apt uses (deb822 "URIs:" or a one-line "deb" source), else Debian's default.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list 2>/dev/null | awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
packages=$(sed 's/#.*//' deploy/runtime-packages.txt | xargs)
[ -n "$packages" ] || die "deploy/runtime-packages.txt names no package"
key=$(printf '%s %s %s' "$suite" "$(dpkg --print-architecture)" "$packages" | sha256sum | cut -c1-12)
cache=$repo/.build-clean-root
base=$cache/base-$key
# A run killed mid-way may have left /proc mounted in the cache: unmount before anything there is removed.
findmnt -rn -o TARGET | { grep "^$cache/" || true; } | sort -r | while read -r m; do umount "$m"; done
if [ ! -f "$base/.complete" ]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  say "debootstrap --variant=minbase $suite from $mirror (first run only; cached in $base)"
  debootstrap --variant=minbase "$suite" "$base" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log" >&2; die "debootstrap failed"; }
  cp /etc/resolv.conf "$base/etc/resolv.conf"
  say "installing the runtime packages: $packages"
  mount -t proc proc "$base/proc"
  if ! chroot "$base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages && apt-get clean" \
    > "$cache/apt.log" 2>&1; then
    umount "$base/proc"; tail -n 20 "$cache/apt.log" >&2; die "apt-get install in the root failed"
  fi
  umount "$base/proc"
  touch "$base/.complete"
fi
say "minimal root ready ($(du -sh "$base" | cut -f1), $((SECONDS - t0)) s)"

tarball=${1:-$(ls -t dist/kb4-events-*-linux-"$(uname -m)".tar.gz 2>/dev/null | head -n 1 || true)}
[ -n "$tarball" ] && [ -f "$tarball" ] || die "no release tarball in dist/: run scripts/release.sh first"
[ -f "$tarball.sha256" ] || die "$tarball.sha256 is missing"
name=$(basename "$tarball" .tar.gz)
version=${name#kb4-events-}
version=${version%-linux-*}

# --- 2. in the root ----------------------------------------------------------------------------------------
t1=$SECONDS
work=$cache/run
rm -rf "$work"
cp -a "$base" "$work"
cleanup() { mountpoint -q "$work/proc" && umount "$work/proc"; rm -rf "$work"; }
trap cleanup EXIT
if chroot "$work" sh -c 'command -v swift || ls -d /opt/swift /usr/lib/swift' >/dev/null 2>&1; then
  die "the minimal root has a Swift toolchain or runtime; the check would prove nothing"
fi
mkdir -p "$work/tmp/release" "$work/tmp/demo"
cp "$tarball" "$tarball.sha256" "$work/tmp/release/"
cp pipelines/demo.yaml "$work/tmp/demo/demo.yaml"
chmod 1777 "$work/tmp/demo"
mount -t proc proc "$work/proc"
in_root() { chroot "$work" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp "$@"; }
# The README's install steps, as written.
in_root sh -ec "cd /tmp/release && sha256sum -c $name.tar.gz.sha256 && tar -xzf $name.tar.gz && install -m 755 $name/kb4-events /usr/local/bin/" >&2 \
  || die "the README's install steps failed in the root"
check_run() {  # label, then the command to run for the demo; the version, demo sync and verify
  local label=$1; shift
  local out
  out=$("$@" kb4-events --version) || die "$label: --version failed"
  [[ $out =~ ^$version\ \(commit\ [0-9a-f]{12}\)$ ]] || die "$label: --version printed '$out', expected '$version (commit …)'"
  say "$label: kb4-events --version: $out"
  out=$("$@" kb4-events sync --pipeline demo.yaml --quiet) || die "$label: the demo sync failed"
  [[ $out == *"days written 13, unchanged 0"* ]] || die "$label: unexpected demo summary: $out"
  say "$label: sync: ${out%%$'\n'*}"
  out=$("$@" kb4-events verify --pipeline demo.yaml) || die "$label: verify failed: $out"
  [[ $out == *"verified 13 files, 0 problems"* ]] || die "$label: unexpected verify output: $out"
  say "$label: verify: ${out##*$'\n'}"
  # The same as Parquet: its ZSTD pages go through the system libzstd.
  out=$("$@" kb4-events sync --pipeline demo.yaml --out parquet-lake --format parquet --quiet) \
    || die "$label: the demo sync as Parquet failed"
  [[ $out == *"days written 13, unchanged 0"* ]] || die "$label: unexpected Parquet demo summary: $out"
  out=$("$@" kb4-events verify --out parquet-lake) || die "$label: verify of the Parquet lake failed: $out"
  [[ $out == *"verified 13 files, 0 problems"* ]] || die "$label: unexpected Parquet verify output: $out"
  say "$label: Parquet (ZSTD) sync and verify: ${out##*$'\n'}"
}
# Each command has 5 minutes: a demo that cannot reach its simulator would otherwise retry for the 90-minute budget.
demo_in_root() { timeout 300 chroot --userspec=65534:65534 "$work" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp/demo sh -c 'cd /tmp/demo && "$@"' sh "$@"; }
check_run "minimal $suite root (nobody)" demo_in_root
if chroot "$work" ldd /usr/local/bin/kb4-events | grep -q 'not found'; then die "a shared library is missing in the root"; fi
say "in the root: passed ($((SECONDS - t1)) s)"

# --- 3. this machine, Swift hidden ---------------------------------------------------------------------------
t2=$SECONDS
swift_bin=$(command -v swift || true)
if [ -z "$swift_bin" ]; then
  say "no swift on this machine: the previous step already proved it; skipping the masked run"
else
  toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_bin")")")")   # /opt/swift/usr/bin/swift → /opt/swift
  case $toolchain in / | /usr | /usr/local) die "swift lives in $toolchain, which cannot be hidden; use a toolchain in its own folder" ;; esac
  host=$(mktemp -d)
  tar -xzf "$tarball" -C "$host"
  cp pipelines/demo.yaml "$host/demo.yaml"
  export host toolchain
  if ldd "$host/$name/kb4-events" | grep -F "$toolchain/"; then die "the binary loads libraries from $toolchain"; fi
  # A private mount namespace: a tmpfs over the toolchain, seen by this command only.
  masked() {
    timeout 300 unshare -m sh -ec 'mount --make-rprivate / && mount -t tmpfs -o size=1m none "$toolchain"
      [ ! -e "$toolchain/usr/bin/swift" ] || { echo "$toolchain is still visible" >&2; exit 1; }
      cd "$host" && PATH="$host/$0:$PATH" exec "$@"' "$name" "$@"
  }
  check_run "this machine, $toolchain hidden" masked
  rm -rf "$host"
  say "masked toolchain: passed ($((SECONDS - t2)) s)"
fi
say "passed in $((SECONDS - t0)) s"
