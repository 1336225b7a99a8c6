#!/bin/sh
# Start the demo hub service, run the HubDesk desktop app in the foreground, and stop the hub
# when the app exits -- also on Ctrl+C or a failure. `make run` calls this.
#
# Usage: scripts/run-with-hub.sh BIN_DIR HUB_DIR [DESKTOP COMMAND...]
#   BIN_DIR          the virtualenv's bin folder (its hubdesk-server and python are used)
#   HUB_DIR          the demo hub's folder: hub.sqlite, ca/, accounts.txt, server.log
#   DESKTOP COMMAND  the app to run, e.g. .venv/bin/hubdesk --vault demo-data/vault
#
# Environment:
#   HUBDESK_ADMIN_PASSWORD  the demo hub administrator's password (needed on the first run;
#                           printed every run, as it is a demo's)
#   HUBDESK_HUB_PORT        the port on 127.0.0.1 to serve on (default 8765)
#   HUBDESK_HUB_WAIT        seconds to wait for the hub to answer /healthz (default 20)
#   HUBDESK_DESKTOP_CMD     when set, a shell command run instead of DESKTOP COMMAND: the tests
#                           use it where no window can open (e.g. HUBDESK_DESKTOP_CMD="sleep 2")
#
# The first run (no HUB_DIR/accounts.txt yet) runs `hubdesk-server init` and
# `hubdesk-server demo` and saves the demo accounts in HUB_DIR/accounts.txt (readable by you
# only); every run prints them. The hub's own log goes to HUB_DIR/server.log.
# The script exits with the app's status (130 after Ctrl+C); no hub process is left behind.
set -eu

if [ "$#" -lt 2 ]; then
  echo "Usage: $0 BIN_DIR HUB_DIR [DESKTOP COMMAND...]" >&2
  exit 2
fi
bin=$1
hub_dir=$2
shift 2

port=${HUBDESK_HUB_PORT:-8765}
wait_seconds=${HUBDESK_HUB_WAIT:-20}
admin_password=${HUBDESK_ADMIN_PASSWORD:-}
unset HUBDESK_ADMIN_PASSWORD  # neither the server nor the app needs it
organisation="Demo Borough Council"
server="$bin/hubdesk-server"
python="$bin/python"
url="http://127.0.0.1:$port"
accounts="$hub_dir/accounts.txt"
log="$hub_dir/server.log"
database_url="sqlite:///$hub_dir/hub.sqlite"
ca_dir="$hub_dir/ca"

if [ -z "${HUBDESK_DESKTOP_CMD:-}" ] && [ "$#" -eq 0 ]; then
  echo "Give the desktop command to run (or set HUBDESK_DESKTOP_CMD)." >&2
  exit 2
fi

# 1 and 2: set the demo hub up, the first time only ---------------------------------------
if [ ! -f "$accounts" ]; then
  if [ -z "$admin_password" ]; then
    echo "Set HUBDESK_ADMIN_PASSWORD to the demo hub administrator's password." >&2
    exit 2
  fi
  mkdir -p "$hub_dir"
  echo "Setting up the demo hub in $hub_dir ..."
  HUBDESK_ADMIN_PASSWORD=$admin_password "$server" init --database-url "$database_url" \
    --ca-dir "$ca_dir" --organisation "$organisation"
  (umask 077 && "$server" demo --database-url "$database_url" --ca-dir "$ca_dir" >"$accounts.new")
  mv "$accounts.new" "$accounts"
fi
echo "Hub administrator: admin / ${admin_password:-(the password given on the first run)}"
cat "$accounts"

# 3: serve on loopback in the background, and stop it however this script ends -------------
if "$python" -c "import socket, sys; s = socket.socket(); s.settimeout(1); \
sys.exit(0 if s.connect_ex(('127.0.0.1', int(sys.argv[1]))) == 0 else 1)" "$port"; then
  echo "Something is already listening on 127.0.0.1:$port (an earlier hub still running?);" \
    "stop it, or set HUBDESK_HUB_PORT to another port." >&2
  exit 1
fi

server_pid=
stop_hub() {
  status=$?
  trap - EXIT INT TERM HUP
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo "Stopping the hub service (process $server_pid)."
    kill -TERM "$server_pid" 2>/dev/null || true
    tries=0
    while kill -0 "$server_pid" 2>/dev/null && [ "$tries" -lt 40 ]; do
      sleep 0.25
      tries=$((tries + 1))
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "The hub service did not stop in 10 s; killing it." >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  exit "$status"
}
trap stop_hub EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "Starting the hub service on $url (log: $log) ..."
"$server" serve --database-url "$database_url" --ca-dir "$ca_dir" --host 127.0.0.1 --port "$port" \
  >>"$log" 2>&1 &
server_pid=$!

deadline=$(($(date +%s) + wait_seconds))
until "$python" -c "import sys, urllib.request; \
urllib.request.urlopen(sys.argv[1] + '/healthz', timeout=1)" "$url" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "The hub service stopped while starting; the end of its log ($log):" >&2
    tail -n 20 "$log" >&2 || true
    server_pid=
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "The hub service did not answer $url/healthz within $wait_seconds s; see $log." >&2
    exit 1
  fi
  sleep 0.25
done
echo "The hub service answers on $url."

# 4: the desktop app in the foreground; 5: the trap stops the hub when it exits -------------
set +e
if [ -n "${HUBDESK_DESKTOP_CMD:-}" ]; then
  sh -c "$HUBDESK_DESKTOP_CMD"
else
  "$@"
fi
status=$?
set -e
exit "$status"
