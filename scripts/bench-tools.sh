#!/usr/bin/env bash
# What `npm run bench` runs besides Node: CNCF Distribution, the reference registry, and
# ApacheBench, the load generator of the manifest scenario. Installs them from Debian's packages
# when missing and allowed to (root with apt-get); otherwise says what to install.
set -euo pipefail

declare -A package_of=([docker-registry]=docker-registry [ab]=apache2-utils)
missing=()
for binary in "${!package_of[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("${package_of[$binary]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "bench: install ${missing[*]} first (Debian: apt-get install ${missing[*]})" >&2
  exit 1
fi
