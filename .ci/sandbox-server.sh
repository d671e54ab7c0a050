# Sourced by the CI steps that drive a real server: builds the binary, starts it on a free port
# with a fresh SQLite database (or SANDBOX_DATABASE_URL, an empty database) and the sandbox on,
# waits for /readyz, and sets `url`, `dir` (its temp folder, server.log inside) and an EXIT trap
# that stops it.
cargo build -q --bin prakerja-api
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="${SANDBOX_DATABASE_URL:-sqlite://$dir/prakerja.db}" PRAKERJA_BIND="127.0.0.1:$port" PRAKERJA_SANDBOX=true \
  target/debug/prakerja-api >"$dir/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"
if ! python3 - "$url/readyz" "$server" <<'PY'; then
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
for _ in range(120):
    try:
        if urllib.request.urlopen(url, timeout=1).status == 200:
            sys.exit(0)
    except Exception:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    time.sleep(0.5)
sys.exit("the server never became ready")
PY
  cat "$dir/server.log" >&2
  exit 1
fi

