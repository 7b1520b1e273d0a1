#!/usr/bin/env bash
# Installs, from Debian's packages, the servers and browsers the test suite runs for real.
set -euo pipefail

need=()
if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
for extra in "$@"; do
  case "$extra" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    # Screenshots of the browser tests need real fonts; Debian's chromium pulls none by itself.
    fonts)
      for font in fonts-dejavu-core fonts-liberation; do
        dpkg -s "$font" >/dev/null 2>&1 || need+=("$font")
      done
      ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
