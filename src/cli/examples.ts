// One example for each command's --help (the commands with a longer help text carry their own).

/** Command name (`rollout set` for a subcommand) → the example its --help ends with. */
export const HELP_EXAMPLES: Record<string, string> = {
  start: 'reg-client-upgrader start --client-dir /opt/reg-client   # exit 0: start the client; 10: relaunch to apply an upgrade',
  status: 'reg-client-upgrader status --client-dir /opt/reg-client --json',
  serve: 'reg-client-upgrader serve /srv/upgrade --port 8080   # stations use --server-url http://host:8080/registration-client/',
  inspect: 'reg-client-upgrader inspect --client-dir /opt/reg-client --export station-42.html   # one file to send to support',
  demo: 'reg-client-upgrader demo --inspect   # the whole story, followed on the live statechart page',
  rollout: 'reg-client-upgrader rollout status /srv/upgrade   # which version, to what share, paused or not',
  'rollout set': 'reg-client-upgrader rollout set /srv/upgrade 1.2.0.2 --percent 50 --sign-key release-private.pem   # widen to half the stations',
  'rollout pause': 'reg-client-upgrader rollout pause /srv/upgrade --reason "DB script fails on 1.1.5"   # no further station is offered it',
  'rollout resume': 'reg-client-upgrader rollout resume /srv/upgrade --sign-key release-private.pem',
  'rollout status': 'reg-client-upgrader rollout status /srv/upgrade --json',
  fleet: 'reg-client-upgrader fleet report --fleet-url http://fleet.example.org:8090/',
  'fleet serve': 'reg-client-upgrader fleet serve --token-file /etc/reg-upgrader/fleet-token --data-dir /var/lib/reg-fleet   # stations: --fleet-url http://host:8090/',
  'fleet report': 'reg-client-upgrader fleet report --fleet-url http://fleet.example.org:8090/ --json',
};
