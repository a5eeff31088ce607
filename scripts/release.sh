#!/usr/bin/env bash
# Release build: an optimized, stripped kb4-events with the Swift standard library and Foundation linked in
# statically, packed with the README, LICENSE, THIRD_PARTY_NOTICES.md, shell completions and a man page
# into dist/kb4-events-<version>-linux-<arch>.tar.gz and dist/…tar.gz.sha256.
#
# It builds HEAD as committed: `git archive` into .build-release/src (kept between runs, and only files whose bytes
# changed are rewritten, so a second release rebuilds incrementally), with Sources/kb4-events/BuildCommit.swift
# replaced there by the commit's id. The working tree is never modified; uncommitted changes are not released.
# The version comes from the built binary (`kb4-events --version`), whose source is KB4Events.version.
#
#   scripts/release.sh            # → dist/kb4-events-0.1.0-linux-x86_64.tar.gz (+ .sha256)
#   RELEASE_NO_MAN=1 scripts/release.sh   # skip the man page (it costs a second build by the plugin)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.build-release
src=$work/src
dist=$root/dist

# The licence and the third-party notices ship with every release: refuse to pack a commit without them (checked
# before the build, which takes minutes).
for f in LICENSE THIRD_PARTY_NOTICES.md; do
  if ! git cat-file -e "HEAD:$f" 2>/dev/null || [ -z "$(git show "HEAD:$f" | tr -d '[:space:]')" ]; then
    echo "release: refusing to pack: HEAD has no $f (the tarball and the image must carry it)" >&2
    exit 1
  fi
done

# Link-time needs on Debian: zlib (CZlib), libzstd (CZstd); rsync for the copy. (No libcurl: no FoundationNetworking.)
if command -v dpkg >/dev/null; then
  need=()
  for p in zlib1g-dev libzstd-dev rsync binutils; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

commit=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release: warning: uncommitted changes are not in this release (it builds HEAD ${commit:0:12})" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$src"
git archive HEAD | tar -x -C "$tmp/src"
cat > "$tmp/src/Sources/kb4-events/BuildCommit.swift" <<SWIFT
/// Written by scripts/release.sh: the commit this binary was built from.
enum BuildCommit {
    static let id: String? = "${commit:0:12}"
}
SWIFT
rsync -r --checksum --delete --exclude=/.build/ "$tmp/src/" "$src/"

flags=(--package-path "$src" -c release --static-swift-stdlib --product kb4-events)
# A failed build stops here (never a stale binary from an earlier build). The log shown leaves out progress lines
# and the static Foundation's linker notes (mktemp).
quiet() { grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Applying)|swift_static/linux/.*(mktemp|: warning)' "$1" || true; }
if ! swift build "${flags[@]}" > "$work/build.log" 2>&1; then
  quiet "$work/build.log" | tail -n 40 >&2
  echo "release: the build failed (full log: $work/build.log)" >&2
  exit 1
fi
quiet "$work/build.log" | tail -n 3
bin="$(swift build "${flags[@]}" --show-bin-path)/kb4-events"
[ -x "$bin" ] || { echo "release: the build produced no binary at $bin" >&2; exit 1; }

version=$("$bin" --version | cut -d' ' -f1)
name=kb4-events-$version-linux-$(uname -m)
stage=$tmp/$name
mkdir -p "$stage/completions"
cp "$bin" "$stage/kb4-events"
strip "$stage/kb4-events"
cp "$src/README.md" "$stage/"
cp "$src/LICENSE" "$src/THIRD_PARTY_NOTICES.md" "$stage/"
"$stage/kb4-events" --generate-completion-script bash > "$stage/completions/kb4-events.bash"
"$stage/kb4-events" --generate-completion-script zsh > "$stage/completions/_kb4-events"
"$stage/kb4-events" --generate-completion-script fish > "$stage/completions/kb4-events.fish"

# The man page from swift-argument-parser's generate-manual plugin (offline: it builds from the local checkouts).
# The plugin builds the whole package again with its own flags: a scratch folder of its own keeps that build from
# invalidating the release build above, and a debug build is enough for the help text it reads.
if [ -z "${RELEASE_NO_MAN:-}" ]; then
  if swift package --package-path "$src" --scratch-path "$work/manual" plugin generate-manual --configuration debug \
    >"$tmp/man.log" 2>&1; then
    page=$(find "$work/manual/plugins" -name 'kb4-events.1' -newer "$tmp/src" | head -n 1)
    if [ -n "$page" ]; then
      mkdir -p "$stage/man/man1" && cp "$page" "$stage/man/man1/kb4-events.1"
    else
      echo "release: warning: generate-manual wrote no kb4-events.1; no man page" >&2
    fi
  else
    echo "release: warning: the generate-manual plugin failed (no man page):" >&2
    tail -n 5 "$tmp/man.log" >&2
  fi
fi

# Reproducible archive: sorted names, fixed owner, the commit's time as every mtime, gzip without name or time.
mkdir -p "$dist"
stamp=$(git log -1 --format=%ct "$commit")
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$stamp" -C "$tmp" -cf - "$name" | gzip -n -9 > "$dist/$name.tar.gz"
(cd "$dist" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "release: $dist/$name.tar.gz ($(stat -c %s "$dist/$name.tar.gz") bytes; binary $(stat -c %s "$stage/kb4-events") bytes)"
echo "release: $("$stage/kb4-events" --version)"
