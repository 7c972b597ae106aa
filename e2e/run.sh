#!/usr/bin/env bash
# End-to-end checks of Reelview with real clients (task e2e; .ci/run):
#
#   1. Spectral lints docs/openapi.json (.spectral.yaml: the OpenAPI and the
#      OWASP API Security rulesets plus Reelview's rules): any error or
#      warning fails.
#   2. The committed Postman collection is regenerated and compared.
#   3. The API is built and started in embedded mode (SQLite + in-process
#      Redis, demo catalog) on a free port with a fresh data directory, its
#      outside services (TMDB, Google's and Firebase's keys) faked locally
#      (contract/fakes.js), and Prism starts in front of it as a validating
#      proxy (--errors): any request or response that breaks the OpenAPI
#      document becomes an error. /metrics answers on the metrics listener
#      (METRICS_ADDR) only.
#   4. newman runs the scenario collection through Prism, and the System
#      folder of the generated collection.
#   5. contract/replay.js replays a workload through Prism that touches every
#      operation of the document in every query-parameter form, and fails
#      when one was not covered (computed from the document).
#   6. Swagger UI at /docs is driven in headless Chromium (Playwright); its
#      "Try it out" calls are routed through Prism.
#   7. Prism's log must show no contract violation.
#
# Needs Go, Node (npm ci in e2e/) and Chromium (/usr/bin/chromium or
# CHROMIUM_PATH). Screenshots, the newman report and the server and Prism
# logs go to e2e/output/. Exits non-zero on the first failure.
set -euo pipefail

E2E="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$E2E")"
OUT="$E2E/output"
BIN="$E2E/node_modules/.bin"
COLLECTION="$ROOT/docs/reelview.postman_collection.json"

started=$(date +%s)
step_started=$started
step_name=""
# step NAME: prints how long the previous step took, then NAME.
step() {
  local now
  now=$(date +%s)
  if [ -n "$step_name" ]; then
    printf -- '--- %ss\n' "$((now - step_started))"
  fi
  step_started=$now
  step_name=$*
  printf '\n==> e2e: %s\n' "$*"
}
fail() {
  printf '\ne2e: FAILED: %s\n' "$*" >&2
  exit 1
}

[ -x "$BIN/prism" ] || fail "e2e/node_modules is missing: run 'npm ci' in e2e/"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export CHROMIUM_PATH
[ -x "$CHROMIUM_PATH" ] || fail "no Chromium at $CHROMIUM_PATH: apt-get install chromium (or set CHROMIUM_PATH)"

work="$(mktemp -d)"
app_pid=""
prism_pid=""
fakes_pid=""
cleanup() {
  local code=$?
  for pid in "$prism_pid" "$app_pid" "$fakes_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
  if [ "$code" -ne 0 ]; then
    printf '\ne2e: logs in %s (app.log, prism.log, fakes.log, contract.json)\n' "$OUT" >&2
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT"

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# wait_for URL SECONDS PID: until URL answers 200, or the process died.
wait_for() {
  local url=$1 timeout=$2 pid=$3 i
  for ((i = 0; i < timeout * 4; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

cd "$E2E"

step "Spectral: contract and OWASP lint of docs/openapi.json"
"$BIN/spectral" lint --ruleset .spectral.yaml --fail-severity=warn --format stylish "$ROOT/docs/openapi.json" ||
  fail "Spectral found problems in docs/openapi.json (fix the huma operations, then go generate ./...)"

step "Postman collection is up to date (docs/reelview.postman_collection.json)"
node postman/generate.js "$ROOT/docs/openapi.json" "$work/collection.json" >/dev/null
if ! diff -q "$COLLECTION" "$work/collection.json" >/dev/null 2>&1; then
  diff -u "$COLLECTION" "$work/collection.json" | head -40 || true
  fail "the committed Postman collection differs from the document: run 'node e2e/postman/generate.js' and commit"
fi

step "build the API"
(cd "$ROOT" && go build -o "$work/reelview" ./app)

step "start the fake outside services (TMDB, Google and Firebase keys)"
fakes_port=$(free_port)
FAKES="http://127.0.0.1:$fakes_port"
node contract/fakes.js --port "$fakes_port" --audience reelview-e2e >"$OUT/fakes.log" 2>&1 &
fakes_pid=$!
wait_for "$FAKES/google/certs" 30 "$fakes_pid" || { cat "$OUT/fakes.log" >&2; fail "the fakes did not start"; }
echo "fakes at $FAKES"

step "start the API in embedded mode"
app_port=$(free_port)
metrics_port=$(free_port)
while [ "$metrics_port" = "$app_port" ]; do metrics_port=$(free_port); done
APP="http://127.0.0.1:$app_port"
METRICS="http://127.0.0.1:$metrics_port"
ORIGIN="http://e2e.reelview.test"
ADMIN_PASSWORD="E2E-Admin-$(node -e 'console.log(require("crypto").randomBytes(9).toString("base64url"))')"
mkdir -p "$work/data"
# The replay sends a few hundred requests from one address: the limits are
# raised, except the one per account, whose 429 it checks.
(
  cd "$work" # no .env of the working copy
  exec env -u DATABASE_URL -u REDIS_URL \
    APP_ENV=development DATA_DIR="$work/data" HTTP_ADDR="127.0.0.1:$app_port" \
    METRICS_ADDR="127.0.0.1:$metrics_port" LOG_FORMAT=json BCRYPT_COST=10 DEMO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    CORS_ALLOW_ORIGINS="$ORIGIN" \
    RATE_LIMIT_DEFAULT=100000/1m RATE_LIMIT_AUTH=10000/1m RATE_LIMIT_REPORT=10000/1h RATE_LIMIT_IMPORT=10000/1h \
    TMDB_BASE_URL="$FAKES/tmdb" TMDB_API_KEY=e2e-key \
    GOOGLE_CLIENT_ID=reelview-e2e GOOGLE_JWKS_URL="$FAKES/google/certs" \
    FIREBASE_PROJECT_ID=reelview-e2e FIREBASE_JWKS_URL="$FAKES/firebase/certs" \
    "$work/reelview" serve
) >"$OUT/app.log" 2>&1 &
app_pid=$!
wait_for "$APP/ready" 90 "$app_pid" || { tail -20 "$OUT/app.log" >&2; fail "the API did not become ready at $APP"; }
echo "API ready at $APP"

step "metrics on their own listener (METRICS_ADDR), not on the API port"
status=$(curl -sS -o "$work/metrics-on-api.json" -w '%{http_code}' "$APP/metrics")
[ "$status" = 404 ] && grep -q '"code":"RESOURCE_NOT_FOUND"' "$work/metrics-on-api.json" ||
  fail "GET /metrics on the API port answered $status, want the 404 error body"
curl -fsS -o "$work/metrics.txt" "$METRICS/metrics" && grep -q '^reelview_http_requests_total{' "$work/metrics.txt" ||
  fail "GET /metrics on $METRICS has no reelview_http_requests_total"
echo "metrics at $METRICS/metrics"

step "start Prism (validating proxy, --errors) in front of it"
prism_port=$(free_port)
PRISM="http://127.0.0.1:$prism_port"
"$BIN/prism" proxy "$ROOT/docs/openapi.json" "$APP" --errors --host 127.0.0.1 --port "$prism_port" \
  >"$OUT/prism.log" 2>&1 &
prism_pid=$!
wait_for "$PRISM/health" 60 "$prism_pid" || { tail -20 "$OUT/prism.log" >&2; fail "Prism did not start"; }
echo "Prism at $PRISM -> $APP"

step "newman: scenario (signup, login, refresh, browse, review, like, logout) through Prism"
"$BIN/newman" run postman/scenario.postman_collection.json \
  --env-var "baseUrl=$PRISM" --env-var "appUrl=$APP" \
  --reporters cli,junit --reporter-junit-export "$OUT/newman-scenario.xml" --color off ||
  fail "newman: the scenario failed"

step "newman: generated collection, System folder, through Prism"
"$BIN/newman" run "$COLLECTION" --folder System --env-var "baseUrl=$PRISM" \
  --reporters cli --color off ||
  fail "newman: the generated collection failed"

step "contract replay: every operation, in every parameter form, through Prism"
node contract/replay.js --doc "$ROOT/docs/openapi.json" --base "$PRISM" --fakes "$FAKES" --origin "$ORIGIN" \
  --admin-email admin@reelview.dev --admin-password "$ADMIN_PASSWORD" --out "$OUT/contract.json" ||
  fail "the contract replay did not cover the document (see above and $OUT/contract.json)"

step "Playwright: Swagger UI in headless Chromium, API calls through Prism"
node swagger-ui/try-it-out.js --app "$APP" --proxy "$PRISM" --out "$OUT/screenshots" ||
  fail "Swagger UI in the browser"

step "Prism saw no contract violation"
# --errors: a request or an answer that breaks the document is logged as
# "Request terminated with error: …/prism/errors#VIOLATIONS" (or
# #UNPROCESSABLE_ENTITY for a request); without it, as a Violation.
if grep -a -n -E 'prism/errors#|Violation' "$OUT/prism.log"; then
  fail "Prism reported contract violations (see above and $OUT/prism.log)"
fi
echo "no violation in $(grep -a -c 'Request received' "$OUT/prism.log") requests"

step "all checks passed in $(($(date +%s) - started))s"
