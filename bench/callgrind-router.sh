#!/usr/bin/env bash
# Instructions per routed request, counted by callgrind: a figure that does not move with the
# machine's noise (docs/benchmarks.md, "Session 8"). Starts the bench's mock, `requesty-router
# serve` under `valgrind --tool=callgrind` (JSONL logging and the built-in tagger on, as in
# `bench router`), sends WARMUP requests one at a time on one keep-alive connection, zeroes the
# counters, sends N more, dumps, and prints instructions per request: in all, on the request's
# own path (the connection task), and in the logging task.
#
#   CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release --features server --bin requesty-router
#   (cd bench && cargo build --release)
#   bash bench/callgrind-router.sh [ROUTER_BIN] [N]
#
# Needs valgrind (callgrind_control, callgrind_annotate) and python3. The router binary needs
# debug info for the per-function lines (the totals do not). BENCH_BIN names the bench binary
# (default: bench/target/release/bench); KEEP=1 keeps the work directory with the callgrind dump
# (for `callgrind_annotate --tree=calling`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../target/release/requesty-router}
n=${2:-1000}
warmup=${WARMUP:-200}
bench=${BENCH_BIN:-${CARGO_TARGET_DIR:-$here/target}/release/bench}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mock_port=$(free_port)
router_port=$(free_port)

"$bench" mock --listen "127.0.0.1:$mock_port" >"$work/mock.out" 2>&1 &
pids+=($!)
# The router config and the request `bench router` uses (bench/src/server.rs, bench/src/client.rs).
"$bench" router-files --upstream "127.0.0.1:$mock_port" --dir "$work"
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
  "$bin" serve --config "$work/router.toml" --listen "127.0.0.1:$router_port" >"$work/router.out" 2>&1 &
vg=$!
pids+=($vg)

python3 - "$router_port" "$n" "$warmup" "$vg" "$work/request.json" <<'PY'
import http.client, subprocess, sys, time
port, n, warmup, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
body = open(sys.argv[5], "rb").read()
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/v1/models")
        c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the router did not start")
def one():
    c.request("POST", "/v1/chat/completions", body,
              {"content-type": "application/json", "authorization": "Bearer sk-bench"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"status {r.status}: {data[:300]!r}")
for _ in range(warmup):
    one()
time.sleep(0.5)  # the warm-up's log records tagged and written (the linger is 10 ms)
subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
for _ in range(n):
    one()
time.sleep(0.5)
subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
PY

dump=$(ls "$work"/cg.out.* | head -n 1)
callgrind_annotate --inclusive=yes --threshold=100 "$dump" >"$work/inclusive.txt" 2>/dev/null
python3 - "$work/inclusive.txt" "$n" <<'PY'
import re, sys
path, n = sys.argv[1], int(sys.argv[2])
rows = []
for line in open(path):
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)", line)
    if m:
        rows.append((int(m.group(1).replace(",", "")), m.group(2)))
total = next((v for v, name in rows if name.startswith("PROGRAM TOTALS")), 0)
def inclusive(function):
    # A function's own entry is the largest of the rows that name it (the
    # others are code inlined from other files into it: parts of it).
    pattern = re.compile(":" + re.escape(function) + r"(?: \[.*\])?$")
    return max((v for v, name in rows if pattern.search(name)), default=0)
parts = [
    ("request path (server connection task)", "requesty::server::serve_connections::{{closure}}::{{closure}}"),
    ("  routing, upstream call, decode (complete_with)", "requesty::router::dispatch::<impl requesty::router::route::Router>::complete_with::{{closure}}"),
    ("    upstream HTTP exchange (attempt_head)", "requesty::transport::http::HttpTransport::attempt_head::{{closure}}"),
    ("    answer decoded (decode_json)", "requesty::chat::decode_json"),
    ("  request body parsed (parse_body)", "requesty::server::app::parse_body"),
    ("  answer encoded (Json::into_response)", "<axum::json::Json<T> as axum_core::response::into_response::IntoResponse>::into_response"),
    ("logging task (tagging, in-memory log)", "requesty::router::log::logger::run::{{closure}}"),
    ("  built-in tagger", "<requesty::router::log::tagging::BuiltinTagger as requesty::router::log::tagging::Tagger>::tag"),
    ("JSONL sink", "requesty::router::log::sink::JsonlSink::write_blocking"),
]
print(f"instructions per request, {n} requests after a warm-up (callgrind, Ir):")
print(f"  {'all threads':<52} {total / n:>9,.0f}")
for label, pat in parts:
    print(f"  {label:<52} {inclusive(pat) / n:>9,.0f}")
PY
