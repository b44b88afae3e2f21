#!/bin/sh
# pipe-closed.sh ignore|default COMMAND...: runs COMMAND writing into a pipe
# whose reader has already exited (what `| head` leaves behind), with SIGPIPE
# ignored or at its default action as inherited from this shell, and prints
# how COMMAND ended as "rc=N" (141 = killed by SIGPIPE). An ignored SIGPIPE
# is inherited across exec, as from a parent that ignores it (Python, CI).
mode=$1
shift
if [ "$mode" = ignore ]; then
  trap '' PIPE
fi
exec 3>&1
# `true` reads nothing and exits; the command starts writing a second later.
{ sleep 1; "$@"; echo "rc=$?" >&3; } | true
