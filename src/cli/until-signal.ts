// Long-running commands (serve, inspect, --inspect-wait) stop cleanly on Ctrl-C or a service stop.

/** Property of a signal listener that stops a command cleanly (exit 0). */
export const CLEAN_STOP = 'regClientUpgraderCleanStop';

/** True when a command waits for `signal` to stop cleanly (serve, inspect, --inspect-wait). */
export function stopsCleanlyOn(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).some((listener) => CLEAN_STOP in listener);
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    // Marked, so the executable's own handler (exit 130/143) lets this clean stop happen instead.
    Object.assign(stop, { [CLEAN_STOP]: true });
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
