#!/usr/bin/env bash
# make test-report (issue 30): the HTML report as a reader's browser shows it. Smoke runs of every scenario
# into a scratch store (CI has no quick runs), `reprise report --html` with the committed ledger, then
# Debian's chromium, headless: the page must load with no console error and no failed resource, its text
# must hold every scenario's tally, and two screenshots are kept (the top of the page, one expanded claim).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/reprise}
OUT=${OUT:-.build/report-test}
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then echo "test-report: needs Debian's chromium (as root: apt-get install chromium)"; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
rm -rf "$OUT" && mkdir -p "$OUT"
"$BIN" run --all --profile smoke --db "$OUT/smoke.sqlite" --quiet >/dev/null
"$BIN" report --profile smoke --db "$OUT/smoke.sqlite" --out "$OUT/report.html" >/dev/null
page="file://$(realpath "$OUT/report.html")"
# As root chromium needs --no-sandbox; the console's messages go to stderr with --enable-logging.
chrome=(chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --window-size=1200,1600)
"${chrome[@]}" --dump-dom "$page" > "$OUT/dom.html" 2> "$OUT/console.log"
if grep -E "CONSOLE|Uncaught|Failed to load resource|net::ERR_" "$OUT/console.log"; then
  echo "test-report: the page logged an error or a failed resource (above)"; exit 1
fi
for id in $("$BIN" list | awk '{print $1}'); do
  grep -q "href=\"#$id\"" "$OUT/dom.html" || { echo "test-report: $id is missing from the page"; exit 1; }
done
[ "$(grep -o 'findings: [0-9]* pass' "$OUT/dom.html" | wc -l)" -ge 6 ] || { echo "test-report: a tally is missing"; exit 1; }
"${chrome[@]}" --screenshot="$OUT/top.png" "$page" 2>/dev/null
# A claim that did not pass is open on the page; the second screenshot is tall enough to reach the first one.
grep -q '<details id="claim-[^"]*" open' "$OUT/dom.html" || { echo "test-report: no claim is open on the page"; exit 1; }
"${chrome[@]/--window-size=1200,1600/--window-size=1200,4000}" --screenshot="$OUT/claims.png" "$page" 2>/dev/null
echo "test-report: the page loads clean; every scenario and tally present; screenshots in $OUT (top.png, claims.png)"
