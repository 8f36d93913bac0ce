// One example for each command's --help (the commands with a longer help text carry their own).

/** Command name → the example its --help ends with. */
export const HELP_EXAMPLES: Record<string, string> = {
  start: 'reg-client-upgrader start --client-dir /opt/reg-client   # exit 0: start the client; 10: relaunch to apply an upgrade',
  status: 'reg-client-upgrader status --client-dir /opt/reg-client --json',
  serve: 'reg-client-upgrader serve /srv/upgrade --port 8080   # stations use --server-url http://host:8080/registration-client/',
  inspect: 'reg-client-upgrader inspect --client-dir /opt/reg-client --port 5940   # then open http://127.0.0.1:5940/',
  demo: 'reg-client-upgrader demo --inspect   # the whole story, followed on the live statechart page',
};
