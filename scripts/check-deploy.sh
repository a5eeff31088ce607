#!/usr/bin/env bash
# Quick checks of deploy/ (seconds, no network): the systemd units pass `systemd-analyze verify` with no warning
# and their ExecStart line runs (metrics labelled with the instance, in the textfile directory); the Kubernetes
# manifests (the CronJob example and what stamp-accounts.sh makes, the Indexed Job example and what
# stamp-indexed-job.sh makes) parse, carry the fields we rely on, validate against the Kubernetes schemas when
# kubernetes-validate is installed, and their pipeline files are accepted by the binary; the Dockerfile installs
# deploy/runtime-packages.txt.
#   scripts/check-deploy.sh [path/to/kb4-events]     (default: the newest of .build/{debug,release}/kb4-events)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
fail() { echo "check-deploy: FAIL: $*" >&2; exit 1; }
bin=${1:-$(ls -t .build/debug/kb4-events .build/release/kb4-events 2>/dev/null | head -n 1 || true)}
[ -n "$bin" ] && [ -x "$bin" ] || fail "no kb4-events binary: swift build first, or pass its path"
bin=$(readlink -f "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- systemd ------------------------------------------------------------------------------------------------
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian: apt-get install systemd)"
units=$tmp/units
mkdir -p "$units"
cp deploy/systemd/kb4-events@.service deploy/systemd/kb4-events@.timer "$units/"
# verify needs ExecStart's binary to exist: point it at the built one. An instance name loads the template.
sed -i "s#/usr/local/bin/kb4-events#$bin#" "$units/kb4-events@.service"
grep -q "^ExecStart=$bin " "$units/kb4-events@.service" || fail "the service has no ExecStart=/usr/local/bin/kb4-events line"
ln -s kb4-events@.service "$units/kb4-events@acme.service"
ln -s kb4-events@.timer "$units/kb4-events@acme.timer"
# Unknown keys and unparsable values are only warnings (exit 0) for systemd-analyze: any output fails the check.
if ! out=$(systemd-analyze verify "$units/kb4-events@acme.service" "$units/kb4-events@acme.timer" 2>&1) || [ -n "$out" ]; then
  fail "systemd-analyze verify: ${out:-non-zero exit}"
fi
# The sandbox, scored offline (0 = locked down, 10 = none; the unit scores 1.4): fail above 2.0.
if ! out=$(systemd-analyze security --offline=true --threshold=20 --no-pager "$units/kb4-events@acme.service" 2>&1); then
  fail "kb4-events@.service exposure above 2.0: $(tail -n 1 <<<"$out")"
fi
for want in 'SuccessExitStatus=75' 'EnvironmentFile=/etc/kb4-events/%i.env' 'ProtectSystem=strict' \
  'ReadWritePaths=/var/lib/kb4-events/%i' 'ReadWritePaths=-/var/lib/prometheus/node-exporter' \
  'NoNewPrivileges=yes' 'PrivateTmp=yes' 'User=kb4-events'; do
  grep -qx "$want" deploy/systemd/kb4-events@.service || fail "kb4-events@.service lacks $want"
done
grep -q '^RandomizedDelaySec=' deploy/systemd/kb4-events@.timer || fail "kb4-events@.timer lacks RandomizedDelaySec"
# The ExecStart line itself, on the demo pipeline, with the unit's paths moved into a temporary folder: instance
# "acme" writes its metrics, labelled account="acme", into the textfile directory as kb4_events_acme.prom.
exec_start=$(sed -n 's/^ExecStart=//p' "$units/kb4-events@.service")
[[ $exec_start == *" --account %i "* && $exec_start == *" --metrics-file /var/lib/prometheus/node-exporter/kb4_events_%i.prom"* ]] \
  || fail "ExecStart does not label its metrics with the instance and write them to the textfile directory: $exec_start"
exec_start=${exec_start//\/etc\/kb4-events\/%i.yaml/$repo/pipelines/demo.yaml}
exec_start=${exec_start//\/var\/lib\/kb4-events\/%i/$tmp/state}
exec_start=${exec_start//\/var\/lib\/prometheus\/node-exporter/$tmp/textfile}
exec_start=${exec_start//%i/acme}
[[ $exec_start != *%* && $exec_start != */etc/* && $exec_start != */var/lib/* ]] || fail "unexpected ExecStart: $exec_start"
mkdir -p "$tmp/textfile"
(cd "$tmp" && env -u KB4_EVENTS_API_KEY $exec_start > "$tmp/exec.out" 2> "$tmp/exec.err") \
  || fail "the unit's ExecStart failed: $(cat "$tmp/exec.err")"
grep -qx 'kb4_events_run_exit_code{account="acme"} 0' "$tmp/textfile/kb4_events_acme.prom" \
  || fail "ExecStart wrote no metrics labelled account=\"acme\" with exit code 0"
echo "check-deploy: systemd units verified; ExecStart ran the demo: $(head -n 1 "$tmp/exec.out")"

# --- Dockerfile ----------------------------------------------------------------------------------------------
grep -q 'COPY deploy/runtime-packages.txt' deploy/Dockerfile || fail "the Dockerfile does not install deploy/runtime-packages.txt"
grep -q "apt-get install -y --no-install-recommends \$(sed 's/#.\*//' /tmp/runtime-packages.txt)" deploy/Dockerfile \
  || fail "the Dockerfile installs the runtime packages differently from scripts/check-clean-root.sh"
grep -q 'scripts/release.sh' deploy/Dockerfile || fail "the Dockerfile does not build with scripts/release.sh"
grep -qx 'ENTRYPOINT \["/usr/local/bin/kb4-events"\]' deploy/Dockerfile || fail "the Dockerfile's ENTRYPOINT is not the binary"
grep -qx 'VOLUME /lake' deploy/Dockerfile || fail "the Dockerfile has no /lake volume"
grep -Eqx 'USER [1-9][0-9]*:[1-9][0-9]*' deploy/Dockerfile || fail "the Dockerfile does not run as a non-root user"
grep -q '^COPY --from=build /out/LICENSE /out/THIRD_PARTY_NOTICES.md ' deploy/Dockerfile \
  || fail "the image does not carry LICENSE and THIRD_PARTY_NOTICES.md"
echo "check-deploy: Dockerfile consistent with deploy/runtime-packages.txt"

# --- Licences --------------------------------------------------------------------------------------------------
for f in LICENSE THIRD_PARTY_NOTICES.md; do [ -s "$f" ] || fail "$f is missing or empty"; done
grep -q 'Apache License' LICENSE && grep -q 'Version 2.0, January 2004' LICENSE || fail "LICENSE is not the Apache License 2.0"
grep -q 'refusing to pack' scripts/release.sh || fail "scripts/release.sh does not refuse to pack without the licences"
grep -q 'cp "$src/LICENSE" "$src/THIRD_PARTY_NOTICES.md" "$stage/"' scripts/release.sh \
  || fail "scripts/release.sh does not put LICENSE and THIRD_PARTY_NOTICES.md into the tarball"
# Every package the binary was linked from (its link inputs, when the build left them) is named in the notices.
links=$(dirname "$bin")/kb4-events.product/Objects.LinkFileList
if [ -f "$links" ]; then
  for module in $(sed -n 's#.*/\([^/]*\)\.build/.*#\1#p' "$links" | sort -u); do
    case $module in KB4Events*|kb4_events|CZlib|CZstd) continue ;; esac
    grep -qw -- "$module" THIRD_PARTY_NOTICES.md || fail "THIRD_PARTY_NOTICES.md does not name $module (compiled into the binary)"
  done
fi
# The runtime packages match what the binary needs: no libcurl (no FoundationNetworking).
! grep -q '^libcurl' deploy/runtime-packages.txt || fail "deploy/runtime-packages.txt still lists libcurl"
if command -v readelf >/dev/null && readelf -d "$bin" | grep -q 'libcurl'; then fail "the binary links libcurl"; fi
echo "check-deploy: LICENSE and THIRD_PARTY_NOTICES.md present, shipped by release.sh and the image"

# --- Kubernetes ----------------------------------------------------------------------------------------------
printf 'acme eu 1200\n# a comment\nglobex\n' > "$tmp/accounts.txt"
deploy/kubernetes/stamp-accounts.sh "$tmp/accounts.txt" > "$tmp/stamped.yaml"
if deploy/kubernetes/stamp-accounts.sh <(echo 'Not_A_Label') > /dev/null 2>&1; then fail "stamp-accounts.sh took an invalid name"; fi
# The Indexed Job: the example, and one stamped from a list (its own folder: both write pipeline-N.yaml).
deploy/kubernetes/stamp-indexed-job.sh fleet-lake eu-west-1 "$tmp/accounts.txt" 20 > "$tmp/indexed.yaml"
for bad in 'a:b' $'acme-x\nacme.x' $'acme\nacme'; do
  if deploy/kubernetes/stamp-indexed-job.sh b-lake us-east-1 <(printf '%s\n' "$bad") > /dev/null 2>&1; then
    fail "stamp-indexed-job.sh took a bad list: $bad"
  fi
done
mkdir -p "$tmp/stamped-indexed"
python3 scripts/check_kubernetes.py "$tmp" deploy/kubernetes/kb4-events-example.yaml:example "$tmp/stamped.yaml:acme,globex" \
  --indexed deploy/kubernetes/kb4-events-indexed-job.yaml
python3 scripts/check_kubernetes.py "$tmp/stamped-indexed" --indexed "$tmp/indexed.yaml"
for f in "$tmp"/stamped-indexed/pipeline-*.yaml; do cp "$f" "$tmp/pipeline-stamped-${f##*/pipeline-}"; done
for pipeline in "$tmp"/pipeline-*.yaml; do
  "$bin" plan --pipeline "$pipeline" --out "$tmp/plan-lake" --today 2026-11-22 --json > /dev/null 2> "$tmp/plan.err" \
    || fail "the binary refuses the ConfigMap's pipeline $(basename "$pipeline"): $(cat "$tmp/plan.err")"
done
echo "check-deploy: passed"
