// Runs an async step over many items with a bounded number in flight: 50 000 files are never
// 50 000 pending promises, stats and queued hash jobs at once.
/** Calls `step` for every item, at most `limit` at a time; the first failure stops new steps and is thrown once all in flight end. */
export async function eachLimited<T>(items: readonly T[], limit: number, step: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await step(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
