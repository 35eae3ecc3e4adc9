#!/usr/bin/env bash
# Installs the Debian packages the real-engine and archive tests need:
# LibreOffice Calc (headless) with CJK fonts, poppler for PDF->PNG, and a PostgreSQL server.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: already installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system deps missing (${need[*]}); run as root or: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "system deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
