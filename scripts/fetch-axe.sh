#!/usr/bin/env bash
# Installs axe-core 4.14 (Deque, MPL-2.0) with npm into .cache/axe-core for
# the accessibility checks of the browser tests (web/a11y_test.go), and
# prints the path of its axe.min.js (the tests find it there, or wherever
# ZHSEARCH_AXE points). axe-core is not kept in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/axe-core
if ! command -v npm >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$dir"
npm install --silent --no-audit --no-fund --no-save --prefix "$dir" axe-core@4.14 >&2
js="$PWD/$dir/node_modules/axe-core/axe.min.js"
test -s "$js"
echo "$js"
