#!/bin/sh
# Launcher template for a registration station (Linux): keep the installation current with
# reg-client-upgrader, then start the registration client the way MOSIP's own run.bat does (the
# station's jre, every jar of lib/ on the classpath, the main class). Copy it to
# <client>/bin/run.sh. Exit codes are reg-client-upgrader's contract (README, "Exit codes").
#
# Every setting below can be given in the environment:
#   CLIENT_DIR   the client folder (default: this script's folder's parent)
#   UPGRADER     the upgrader command (default: reg-client-upgrader on PATH)
#   JAVA         the Java to run the client (default: <client>/jre/bin/java, else java on PATH)
#   JAVA_OPTS    the JVM options (default: MOSIP's -Xmx2048m -Xms2048m -Dfile.encoding=UTF-8)
#   MAIN_CLASS   the client's main class (default: MOSIP's io.mosip.registration.controller.Initialization)
#   CLIENT_CMD   a whole command instead of the Java launch above (run by sh -c)
#   CLIENT_LOG   where the client's output goes (default: <client>/startup.log, as MOSIP's run.bat;
#                "-" keeps it on this terminal)
CLIENT_DIR="${CLIENT_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
UPGRADER="${UPGRADER:-reg-client-upgrader}"
if [ -z "$JAVA" ]; then
  if [ -x "$CLIENT_DIR/jre/bin/java" ]; then JAVA="$CLIENT_DIR/jre/bin/java"; else JAVA=java; fi
fi
JAVA_OPTS="${JAVA_OPTS:--Xmx2048m -Xms2048m -Dfile.encoding=UTF-8}"
MAIN_CLASS="${MAIN_CLASS:-io.mosip.registration.controller.Initialization}"
CLIENT_LOG="${CLIENT_LOG:-$CLIENT_DIR/startup.log}"

run_upgrader() {
  "$UPGRADER" start --client-dir "$CLIENT_DIR" "$@"
}

# The installed version is still whole when this passes: start it rather than stop enrolment.
verify_installed() {
  echo "checking the installed client files" >&2
  run_upgrader --offline
}

start_client() {
  cd "$CLIENT_DIR" || exit 1
  # A log that cannot be written must not stop enrolment: the output then stays on the terminal.
  if [ "$CLIENT_LOG" != "-" ] && touch "$CLIENT_LOG" 2>/dev/null; then exec >>"$CLIENT_LOG" 2>&1; fi
  if [ -n "$CLIENT_CMD" ]; then exec sh -c "$CLIENT_CMD"; fi
  # JAVA_OPTS is split into words on purpose; the classpath and paths stay quoted (spaces allowed).
  # shellcheck disable=SC2086
  exec "$JAVA" $JAVA_OPTS -cp "$CLIENT_DIR/lib/*" "$MAIN_CLASS"
}

tries=0
while :; do
  run_upgrader
  code=$?
  case $code in
    0) break ;;                                   # ready (an announced upgrade is only reported)
    10) tries=$((tries + 1))                      # an upgrade is staged: this relaunch applies it
        [ "$tries" -le 3 ] && continue
        echo "the upgrade could not be applied after $tries attempts: call support" >&2; exit "$code" ;;
    20) echo "the upgrade server answered but the list of files could not be fetched" >&2
        verify_installed || exit $?
        break ;;
    30) echo "the upgrade failed and the previous version was put back: starting it (the next launch tries again)" >&2
        verify_installed || exit $?
        break ;;
    40) tries=$((tries + 1))                      # another upgrader run, or the client, is busy: wait
        [ "$tries" -le 30 ] && { sleep 2; continue; }
        echo "another upgrader run, or a running client, holds the station: close it and start again" >&2; exit "$code" ;;
    65) echo "the upgrade server sent files that failed their checks: nothing was installed from it" >&2
        verify_installed || exit $?
        break ;;
    21) echo "some client files are missing or damaged and could not be downloaded: connect to the network and start again" >&2; exit "$code" ;;
    31) echo "putting the previous version back failed: call support (registration.log names the backup folder)" >&2; exit "$code" ;;
    64) echo "reg-client-upgrader is not set up right (see the message above): call support" >&2; exit "$code" ;;
    130|143) echo "stopped before the client started: start again to continue" >&2; exit "$code" ;;
    *) echo "reg-client-upgrader failed with exit code $code: call support" >&2; exit "$code" ;;
  esac
done

start_client
