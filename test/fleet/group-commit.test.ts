// The fleet ingest's group commit: what waits during a write is written together, results go back
// to their callers in order, and one item's failure stays its own.
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/fleet/group-commit.js';

describe('createGroupCommit', () => {
  it('writes the first item at once and everything that arrived meanwhile as one group, within the weight limit', async () => {
    const groups: number[][] = [];
    const submit = createGroupCommit<number, string>(
      async (items) => {
        groups.push(items);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return items.map((item) => `ok ${item}`);
      },
      { maxWeight: 10, weight: (item) => item },
    );
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 20].map((item) => submit(item)));
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5', 'ok 6', 'ok 20']);
    // 1 alone (nothing was waiting); then 2+3+4 (= 9; 5 would pass 10); 5; 6; 20 alone, heavier than the limit.
    expect(groups).toEqual([[1], [2, 3, 4], [5], [6], [20]]);
  });

  it('retries a failed group item by item: only the bad item fails', async () => {
    const calls: number[][] = [];
    const submit = createGroupCommit<number, number>(
      async (items) => {
        calls.push(items);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (items.includes(13)) throw new Error('unlucky');
        return items.map((item) => item * 2);
      },
      { maxWeight: 100, weight: () => 1 },
    );
    const outcomes = await Promise.allSettled([1, 2, 13, 4].map((item) => submit(item)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([2, 4, 'unlucky', 8]);
    expect(calls).toEqual([[1], [2, 13, 4], [2], [13], [4]]);
    // The queue still works afterwards.
    expect(await submit(7)).toBe(14);
  });
});

describe('createGroupCommit with several writers', () => {
  it('keeps at most that many groups in flight, and every item is written once', async () => {
    let inFlight = 0;
    let most = 0;
    const written: number[] = [];
    const submit = createGroupCommit<number, number>(
      async (items) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        written.push(...items);
        inFlight -= 1;
        return items;
      },
      { maxWeight: 5, weight: () => 1, writers: 3 },
    );
    const items = Array.from({ length: 40 }, (_, i) => i);
    expect(await Promise.all(items.map((item) => submit(item)))).toEqual(items);
    expect(most).toBe(3);
    expect([...written].sort((a, b) => a - b)).toEqual(items);
  });
});
