#!/usr/bin/env bash
# Install the Debian packages paperdesk needs, only those that are missing.
#   scripts/system-deps.sh run    what `make run` needs (Tesseract, chi_sim, CJK fonts, Ghostscript for --archive's PDF/A)
#   scripts/system-deps.sh test   plus what the tests need (Chromium, PostgreSQL, LibreOffice Writer, sample fonts)
# As root it uses apt-get; otherwise sudo when it can; otherwise it stops with the command to run.
set -euo pipefail

# ghostscript: OCRmyPDF's fallback for PDF/A when its own conversion is refused (paperdesk run/watch --archive).
run_pkgs=(tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk ghostscript)
test_pkgs=(chromium poppler-utils postgresql libreoffice-writer-nogui fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-wqy-microhei)

want=("${run_pkgs[@]}")
if [ "${1:-run}" = "test" ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for pkg in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "paperdesk needs Debian packages that are missing; run: sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive $cmd
