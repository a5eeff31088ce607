#!/usr/bin/env bash
# Many accounts (issue 21 part B): one simulator serving N accounts, each synced once into a lake of its own, and the
# fleet view over those lakes on disk and in S3 (moto on loopback).
# usage: scripts/bench_fleet.sh                      (N=200, a debug build: BIN=.build/release/kb4-events for release)
#        FLEET_ACCOUNTS=20 scripts/bench_fleet.sh    (a quick one)
#        FLEET_ACCOUNTS=20 FLEET_COPIES=10 scripts/bench_fleet.sh   (200 lakes for the fleet view from 20 syncs: each
#                                                     lake copied under 9 more names; reading a copy costs the same)
# Prints: simulator start time and RSS (idle, after every account was synced once), the syncs' wall time, and
# `status --fleet` wall time, peak RSS and store requests on disk and in moto.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
N=${FLEET_ACCOUNTS:-200}
EVENTS=${FLEET_EVENTS:-6000}      # per account over FLEET_DAYS days (the simulator holds each used account's data set)
DAYS=${FLEET_DAYS:-30}
P=${FLEET_PARALLEL:-4}            # syncs at once
COPIES=${FLEET_COPIES:-1}
TODAY=2026-11-20
BIN=${BIN:-$PWD/.build/debug/kb4-events}
PY=${KB4_EVENTS_MOTO_PYTHON:-$PWD/.build-venv/bin/python}
[ -x "$BIN" ] || { echo "no $BIN: build it first (swift build)" >&2; exit 1; }
W=$(mktemp -d /tmp/kb4-fleet-bench.XXXXXX)
cleanup() { [ -n "${SIM:-}" ] && kill "$SIM" 2>/dev/null; [ -n "${MOTO:-}" ] && kill "$MOTO" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

start=$(date +%s.%N)
"$BIN" simulate --port 0 --accounts "$N" --events "$EVENTS" --days "$DAYS" --today $TODAY --rps 0 \
  > "$W/sim.out" 2> "$W/sim.err" &
SIM=$!
for _ in $(seq 1 600); do grep -q listening "$W/sim.out" 2>/dev/null && break; sleep 0.05; done
ready=$(date +%s.%N)
URL=$(awk '{print $NF}' "$W/sim.out")
echo "simulator, $N accounts of $EVENTS events over $DAYS days: listening after $(python3 -c "print(f'{$ready-$start:.2f}')") s, RSS $(rss_mb $SIM) MB idle"

sync_one() { # index
  KB4_EVENTS_API_KEY=sim-key-$1 "$BIN" sync --out "$W/lakes/account-$1" --base-url "$URL" --today $TODAY \
    --start-date 2026-11-13 --requests-per-second 200 --quiet > /dev/null
}
export -f sync_one; export BIN URL TODAY W
t0=$(date +%s.%N)
seq 0 $((N - 1)) | xargs -P "$P" -I{} bash -c 'sync_one {} || exit 255'
t1=$(date +%s.%N)
echo "synced every account once (7 days each, $P at a time): $(python3 -c "print(f'{$t1-$t0:.1f}')") s; simulator RSS $(rss_mb $SIM) MB"

for i in $(seq 0 $((N - 1))); do
  for c in $(seq 1 $((COPIES - 1))); do cp -a "$W/lakes/account-$i" "$W/lakes/account-$i-copy-$c"; done
done
fleet() { # prefix, max in flight, extra env… → "secs peak_kb lakes requests"
  local prefix=$1 bound=$2; shift 2
  env "$@" /usr/bin/time -f "%e %M" -o "$W/time" "$BIN" status --fleet "$prefix" --today $TODAY --output json \
    --max-in-flight "$bound" \
    > "$W/fleet.json" 2> "$W/fleet.err" || [ $? = 79 ] || { cat "$W/fleet.err"; exit 1; }
  read -r secs kb < "$W/time"
  echo "$secs $kb $(python3 -c "import json; v = json.load(open('$W/fleet.json')); print(v['lakes'], v['store_requests'])")"
}
read -r secs kb lakes requests <<< "$(fleet "$W/lakes" 16)"
echo "status --fleet on disk: $lakes lakes, $secs s, peak RSS $((kb / 1024)) MB"

if [ -x "$PY" ]; then
  mkfifo "$W/moto.in"
  "$PY" Tests/KB4EventsS3Tests/Python/moto_server.py main kb4-fleet < "$W/moto.in" > "$W/moto.json" 2> "$W/moto.err" &
  MOTO=$!
  exec 9> "$W/moto.in"
  for _ in $(seq 1 300); do [ -s "$W/moto.json" ] && break; sleep 0.1; done
  read -r ENDPOINT KEY SECRET < <("$PY" -c "import json; m = json.load(open('$W/moto.json')); print(m['endpoint'], m['access_key'], m['secret'])")
  "$PY" - "$W/lakes" "$ENDPOINT" "$KEY" "$SECRET" <<'PY'
import os, sys, boto3
root, endpoint, key, secret = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
for dirpath, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.startswith("."):
            continue
        path = os.path.join(dirpath, name)
        s3.upload_file(path, "kb4-fleet", "lakes/" + os.path.relpath(path, root))
PY
  for bound in 16 1; do
    read -r secs kb lakes requests <<< "$(fleet s3://kb4-fleet/lakes/ "$bound" AWS_ENDPOINT_URL_S3="$ENDPOINT" \
      AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_EC2_METADATA_DISABLED=true)"
    echo "status --fleet in moto, --max-in-flight $bound: $lakes lakes, $secs s, peak RSS $((kb / 1024)) MB, $requests requests ($(python3 -c "print(f'{($requests - 1) / $lakes:.1f}')") per lake + 1 listing)"
  done
else
  echo "no $PY: the S3 rows need .build-venv (moto, boto3)"
fi
