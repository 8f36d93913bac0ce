#!/bin/sh
# Launcher template for a registration station: keep the installation current with
# reg-client-upgrader, then start the registration client. Copy it to <client>/bin/run.sh and
# adapt CLIENT_CMD. Exit codes are reg-client-upgrader's contract (README, "Exit codes").
CLIENT_DIR="${CLIENT_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
UPGRADER="${UPGRADER:-reg-client-upgrader}"
CLIENT_CMD="${CLIENT_CMD:-java -jar $CLIENT_DIR/lib/registration-client.jar}"

run_upgrader() {
  "$UPGRADER" start --client-dir "$CLIENT_DIR" "$@"
}

tries=0
while :; do
  run_upgrader
  code=$?
  case $code in
    0) break ;;                                   # ready (an announced upgrade is only reported)
    10) tries=$((tries + 1))                      # an upgrade is staged: this relaunch applies it
        [ "$tries" -le 3 ] && continue
        echo "upgrade could not be applied after $tries attempts" >&2; exit "$code" ;;
    20) echo "upgrade server answered but the manifest could not be fetched: checking local files" >&2
        run_upgrader --offline || exit $?
        break ;;
    40) tries=$((tries + 1))                      # another upgrader run is busy: wait for it
        [ "$tries" -le 30 ] && { sleep 2; continue; }
        echo "another upgrader run holds the station lock" >&2; exit "$code" ;;
    21) echo "some client files are missing or damaged and could not be downloaded: connect to the network and start again" >&2; exit "$code" ;;
    30) echo "the database upgrade failed and was rolled back: start again to retry, or call support" >&2; exit "$code" ;;
    31) echo "rollback failed: manual recovery needed (see registration.log for the backup folder)" >&2; exit "$code" ;;
    64) echo "reg-client-upgrader configuration error (see the message above)" >&2; exit "$code" ;;
    65) echo "the upgrade server sent bad data (malformed or unsigned): not starting; call support" >&2; exit "$code" ;;
    *) echo "reg-client-upgrader failed with exit code $code" >&2; exit "$code" ;;
  esac
done

cd "$CLIENT_DIR" && exec $CLIENT_CMD
