#!/usr/bin/env bash
# Debian's chromium for the Playwright browser tests (Playwright never downloads a browser here).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing chromium from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
chromium --version
