#!/usr/bin/env bash
# Writes docs/screenshots/status-page.png: the status page (`drbatch web`) on what the local job repository and
# bucket hold, as headless chromium draws it. Run scripts/demo.sh first for the demo data the README shows.
# Needs chromium (apt-get install chromium).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
port=${DRBATCH_SCREENSHOT_PORT:-8097}
out=${1:-docs/screenshots/status-page.png}
mkdir -p .local "$(dirname "$out")"
bin/drbatch --set server.port="$port" web > .local/screenshot-web.log 2>&1 &
web=$!
trap 'kill "$web" 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  grep -q "serving the status page" .local/screenshot-web.log && break
  kill -0 "$web" 2>/dev/null || { cat .local/screenshot-web.log >&2; exit 1; }
  sleep 0.5
done
chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --window-size="${DRBATCH_SCREENSHOT_SIZE:-1400,1380}" --virtual-time-budget=8000 \
  --screenshot="$out" "http://127.0.0.1:$port/" 2>/dev/null
echo "screenshot: $out"
