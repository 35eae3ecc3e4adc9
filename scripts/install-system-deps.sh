#!/usr/bin/env bash
# Installs every Debian package the tests, the bench and the docs scripts use:
#   libreoffice-calc-nogui  soffice: recalculates, converts to PDF (tests/engine_util.py, bench)
#   python3-uno             typing into forms through LibreOffice's dispatcher (tests/uno_fill.py);
#                           --no-install-recommends leaves it out, so it is named here
#   fonts-noto-cjk          Chinese glyphs in rendered PDFs/PNGs and in Chromium screenshots
#   poppler-utils           pdfinfo / pdftotext / pdftoppm (print checks, docs pictures)
#   postgresql              a real PostgreSQL server for the archive tests (tests/pg.py)
#   chromium                Debian's browser, driven by Playwright (executable_path) in the
#                           `jixiao serve` end-to-end tests; never `playwright install`
# Idempotent: each package is checked with dpkg, not by a command on PATH, so a machine
# that has soffice from elsewhere still gets python3-uno.
set -euo pipefail
packages=(libreoffice-calc-nogui python3-uno fonts-noto-cjk poppler-utils postgresql chromium)
need=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
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
