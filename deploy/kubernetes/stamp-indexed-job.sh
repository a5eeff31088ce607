#!/usr/bin/env bash
# One Indexed Job for many accounts, stamped from kb4-events-indexed-job.yaml: a ConfigMap with one pipeline file per
# account (0.yaml, 1.yaml, … in the list's order), and the CronJob with completions = the number of accounts.
#   deploy/kubernetes/stamp-indexed-job.sh BUCKET S3_REGION accounts.txt [PARALLELISM] > fleet.yaml
#   kubectl apply -f fleet.yaml
# accounts.txt: one account a line, "NAME [REGION [SEATS]]" ('#' comments), as for stamp-accounts.sh. NAME is the
# account's name (the metrics' label, the lake s3://BUCKET/accounts/NAME/): 1–128 of A-Z a-z 0-9 . _ -, starting with
# a letter or digit (kb4-events' rule for `name`). Its key is KB4_EVENTS_API_KEY_<NAME in upper case, . and - as _>
# in the Secret kb4-events-api-keys. Add new accounts at the end: the others keep their index.
set -euo pipefail
here=$(dirname "$0")
usage="usage: stamp-indexed-job.sh BUCKET S3_REGION ACCOUNTS_FILE [PARALLELISM]"
bucket=${1:?$usage}
s3_region=${2:?$usage}
list=${3:?$usage}
parallelism=${4:-10}
die() { echo "stamp-indexed-job: $*" >&2; exit 64; }
[[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "'$bucket' is not an S3 bucket name"
[[ $s3_region =~ ^[a-z0-9-]+$ ]] || die "'$s3_region' is not a region name such as eu-west-1"
[[ $parallelism =~ ^[1-9][0-9]*$ ]] || die "parallelism '$parallelism' is not a number"

declare -A seen_name=() seen_env=()
data=$(mktemp)
trap 'rm -f "$data"' EXIT
n=0
while read -r name region seats _; do
  [ -n "$name" ] || continue
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] || die "'$name' is not an account name (A-Z a-z 0-9 . _ -, at most 128)"
  region=${region:-us}
  [[ $region =~ ^(us|eu|ca|uk|de)$ ]] || die "$name: region '$region' is not us|eu|ca|uk|de"
  seats=${seats:-250}
  [[ $seats =~ ^[1-9][0-9]*$ ]] || die "$name: seats '$seats' is not a number"
  key_env=KB4_EVENTS_API_KEY_$(tr 'a-z.-' 'A-Z__' <<<"$name")
  [ -z "${seen_name[$name]:-}" ] || die "$name is listed twice"
  [ -z "${seen_env[$key_env]:-}" ] || die "$name and ${seen_env[$key_env]} would share the key variable $key_env"
  seen_name[$name]=1
  seen_env[$key_env]=$name
  cat >> "$data" <<EOF
  $n.yaml: |
    version: 1
    name: $name
    source:
      region: $region
      api_key_env: $key_env
      seats: $seats
    window:
      lookback_days: 3
    output:
      dir: s3://$bucket/accounts/$name/
      s3:
        region: $s3_region
EOF
  n=$((n + 1))
done < <(sed 's/#.*//' "$list")
[ $n -gt 0 ] || die "no account in $list"
# A ConfigMap holds at most 1 MiB (about 4000 accounts here): split a longer list into several Jobs.
[ "$(wc -c < "$data")" -lt 1000000 ] || die "$n accounts do not fit one ConfigMap (1 MiB): split the list"
[ "$parallelism" -le $n ] || parallelism=$n
# About a tenth of the accounts may fail before the Job stops (at least 1).
max_failed=$(( n / 10 > 0 ? n / 10 : 1 ))

# The template with its ConfigMap's data replaced by the accounts' files, and the counts set.
awk -v data="$data" -v n="$n" -v p="$parallelism" -v f="$max_failed" '
  /^#/ { next }
  /^data:$/ { print; while ((getline line < data) > 0) print line; skip = 1; next }
  skip && /^---$/ { skip = 0 }
  skip { next }
  { sub(/completions: 3 /, "completions: " n " ") ; sub(/parallelism: 2 /, "parallelism: " p " ");
    sub(/maxFailedIndexes: 1 /, "maxFailedIndexes: " f " "); print }
' "$here/kb4-events-indexed-job.yaml"
