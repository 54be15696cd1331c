# shellcheck shell=bash
# Sourced by the scripts/bench-*.sh that need a scratch directory and a
# plain-HTTP docker-registry on a free loopback port (not run on its own).
#
#   bench_workdir       W=$(mktemp -d), removed on exit (registry stopped first)
#   start_registry      serves $W/reg on a free port: sets PORT, HOST, REG_PID

bench_workdir() {
  W=$(mktemp -d)
  REG_PID=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [ -n "$REG_PID" ]; then
    kill "$REG_PID" 2>/dev/null || true
    wait "$REG_PID" 2>/dev/null || true
  fi
  # podman's vfs store holds read-only copies: make them removable.
  chmod -R u+w "$W" 2>/dev/null || true
  rm -rf "$W"
}

start_registry() {
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  HOST=127.0.0.1:$PORT
  cat > "$W/reg.yml" <<EOF
version: 0.1
log: { level: error }
storage: { filesystem: { rootdirectory: $W/reg }, delete: { enabled: true } }
http: { addr: $HOST, secret: bench }
EOF
  docker-registry serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.05
  done
}
