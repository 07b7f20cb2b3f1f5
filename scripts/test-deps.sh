#!/usr/bin/env bash
# Installs what villi's tests need on a fresh Debian machine (make test runs it):
# Debian's chromium for the browser tests, python3-aiosmtpd for the end-to-end SMTP test,
# npm, with which the web tests fetch html-validate and axe-core into ~/.cache, and
# poppler-utils, whose pdftotext and pdfinfo read the handout PDFs back.
# Already-present tools are left alone, so a second run costs a few checks.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_need=()
command -v chromium >/dev/null 2>&1 || apt_need+=(chromium)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || apt_need+=(python3-aiosmtpd)
command -v npm >/dev/null 2>&1 || apt_need+=(npm)
command -v pdftotext >/dev/null 2>&1 || apt_need+=(poppler-utils)
if [ ${#apt_need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test-deps: installing ${apt_need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
fi
