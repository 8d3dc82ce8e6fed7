#!/usr/bin/env bash
# Runs CMD... inside a fresh network namespace whose only interface is `lo` (up), so that the
# server, the page server and the browser talk over loopback only (shared/design/environment.md:
# in the default namespace Chrome answers from the machine's non-loopback address).
#
#   tests/e2e/run-in-netns.sh node --test e2e/demo-page.test.mjs
#   ATRIUM_NETEM="loss 5% delay 30ms" tests/e2e/run-in-netns.sh CMD...   # impair lo with netem
#
# The namespace is atrium-e2e-<pid of this script>. It is always deleted afterwards, and every
# process still inside it is killed first (a browser a failed test left behind, for instance).
# Exit code: the command's; 77 (ctest SKIP_RETURN_CODE) when this cannot run here (not root,
# no `ip netns`, no netem in the kernel although ATRIUM_NETEM asks for it).
set -u

skip() { echo "run-in-netns: SKIP: $*" >&2; exit 77; }

(($# > 0)) || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace (run as root, e.g. sudo)"
command -v ip >/dev/null || skip "'ip' (iproute2) is not installed"
ip netns list >/dev/null 2>&1 || skip "'ip netns' is not available"

NS="atrium-e2e-$$"
child=""

kill_ns_pids() { # kills (by pid) whatever still runs inside the namespace
  local sig=$1 pids
  pids=$(ip netns pids "$NS" 2>/dev/null) || return 0
  [ -n "$pids" ] && kill "-$sig" $pids 2>/dev/null
  return 0
}

cleanup() {
  trap - EXIT INT TERM HUP
  if ip netns list 2>/dev/null | grep -qw "^$NS"; then
    kill_ns_pids TERM
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && break
      sleep 0.2
    done
    kill_ns_pids KILL
    ip netns del "$NS" 2>/dev/null || echo "run-in-netns: could not delete namespace $NS" >&2
  fi
}

on_signal() { # forward to the command, then clean up; exit like a shell killed by that signal
  local sig=$1 code=$2
  [ -n "$child" ] && kill "-$sig" "$child" 2>/dev/null
  cleanup
  exit "$code"
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

ip netns add "$NS" 2>/dev/null || skip "cannot create network namespace $NS ('ip netns add' failed)"
ip -n "$NS" link set lo up || { echo "run-in-netns: cannot bring lo up in $NS" >&2; exit 1; }

if [ -n "${ATRIUM_NETEM:-}" ]; then
  # Word splitting is intended: ATRIUM_NETEM holds netem parameters ("loss 5% delay 30ms").
  # shellcheck disable=SC2086
  if ! err=$(ip netns exec "$NS" tc qdisc add dev lo root netem $ATRIUM_NETEM 2>&1); then
    if grep -qi "unknown" <<<"$err"; then
      skip "netem is not available in this kernel ($(uname -r)): $err"
    fi
    echo "run-in-netns: tc qdisc add dev lo root netem $ATRIUM_NETEM failed: $err" >&2
    exit 2
  fi
  echo "run-in-netns: lo in $NS impaired with netem $ATRIUM_NETEM" >&2
fi

# In the background so that the traps above run as soon as a signal arrives.
ip netns exec "$NS" "$@" &
child=$!
wait "$child"
rc=$?
# `wait` returns >128 when interrupted by a trapped signal; the trap has exited already then.
exit "$rc"
