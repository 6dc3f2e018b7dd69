#!/usr/bin/env bash
# Prints the newest Python >= 3.12 on this machine (PATH first, then pyenv's versions).
set -u
candidates=()
for v in 3.15 3.14 3.13 3.12; do
  candidates+=("python$v")
done
if [ -d "${PYENV_ROOT:-$HOME/.pyenv}/versions" ]; then
  while IFS= read -r p; do candidates+=("$p"); done < <(
    ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV)
fi
candidates+=(python3)
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    command -v "$c" >/dev/null 2>&1 && [ "${c#/}" = "$c" ] && c=$(command -v "$c")
    # A pyenv shim only works when its version is selected: resolve it to the real interpreter.
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "No Python 3.12 or newer found; install python3.12 or newer." >&2
exit 1
