#!/usr/bin/env bash
# One ConfigMap, PersistentVolumeClaim and CronJob per account, stamped from kb4-events-example.yaml.
#   deploy/kubernetes/stamp-accounts.sh accounts.txt > accounts.yaml && kubectl apply -f accounts.yaml
# accounts.txt: one account a line, "NAME [REGION [SEATS]]" (NAME a DNS label: a-z, 0-9, '-'; '#' comments).
# Each account gets its own start minute between 02:00 and 02:59 UTC (from a hash of its name), so they do not
# all start at once, and needs a Secret kb4-events-NAME with KB4_EVENTS_API_KEY (see the example file).
set -euo pipefail
template="$(dirname "$0")/kb4-events-example.yaml"
list=${1:?usage: stamp-accounts.sh ACCOUNTS_FILE}
first=1
while read -r name region seats _; do
  [ -n "$name" ] || continue
  [[ $name =~ ^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$ ]] || { echo "stamp-accounts: '$name' is not a DNS label (a-z, 0-9, -; at most 32)" >&2; exit 64; }
  region=${region:-us}
  [[ $region =~ ^(us|eu|ca|uk|de)$ ]] || { echo "stamp-accounts: $name: region '$region' is not us|eu|ca|uk|de" >&2; exit 64; }
  seats=${seats:-250}
  [[ $seats =~ ^[1-9][0-9]*$ ]] || { echo "stamp-accounts: $name: seats '$seats' is not a number" >&2; exit 64; }
  minute=$(( $(printf '%s' "$name" | cksum | cut -d' ' -f1) % 60 ))
  [ $first = 1 ] || echo "---"
  first=0
  sed -e '/^#/d' \
    -e "s/kb4-events-example/kb4-events-$name/g" \
    -e "s/instance: example/instance: $name/" \
    -e "s/^    name: example$/    name: $name/" \
    -e "s/kb4_events_example\.prom/kb4_events_$name.prom/" \
    -e "s/^      region: us$/      region: $region/" \
    -e "s/^      seats: 250$/      seats: $seats/" \
    -e "s/^  schedule: \"15 2 \* \* \*\"/  schedule: \"$minute 2 * * *\"/" \
    "$template"
done < <(sed 's/#.*//' "$list")
