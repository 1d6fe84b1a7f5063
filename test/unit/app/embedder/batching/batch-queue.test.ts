import { describe, expect, it } from 'vitest';
import { BatchQueue } from '../../../../../app/embedder/src/batching/batch-queue.js';
import { NotReadyError, OverloadedError } from '../../../../../app/embedder/src/errors.js';
import { deferred } from '../../../../helpers/embedder-app.js';

const seq = (length: number) => new Int32Array(length).fill(7);

/** A runBatch that records batch sizes and holds each run until the test lets it go. */
function controlledRun() {
  const batches: number[][] = [];
  const gates: ReturnType<typeof deferred<void>>[] = [];
  return {
    batches,
    releaseNext: () => gates.shift()?.resolve(),
    runBatch: async (sequences: readonly Int32Array[]) => {
      batches.push(sequences.map((s) => s.length));
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      return sequences.map((s) => new Float32Array([s.length]));
    },
  };
}

describe('BatchQueue', () => {
  it('merges requests that arrive while a batch runs into the next model run', async () => {
    const run = controlledRun();
    const queue = new BatchQueue({ runBatch: run.runBatch });
    const first = queue.submit([seq(3)]);
    await expect.poll(() => run.batches.length).toBe(1);
    const others = [queue.submit([seq(4)]), queue.submit([seq(5), seq(6)])];
    run.releaseNext();
    await expect.poll(() => run.batches.length).toBe(2);
    expect(run.batches[1]).toEqual([4, 5, 6]);
    run.releaseNext();
    const results = await Promise.all([first, ...others]);
    expect(results.map((r) => r.vectors.map((v) => v[0]))).toEqual([[3], [4], [5, 6]]);
    expect(results[1]?.queueMs).toBeGreaterThanOrEqual(0);
    await queue.close();
  });

  it('caps a model run by inputs and by real tokens, taking the oldest first', async () => {
    const run = controlledRun();
    const queue = new BatchQueue({
      runBatch: run.runBatch,
      maxBatchRequests: 3,
      maxBatchTokens: 10,
    });
    const blocker = queue.submit([seq(1)]);
    await expect.poll(() => run.batches.length).toBe(1);
    const all = queue.submit([seq(2), seq(2), seq(2), seq(2), seq(6), seq(6), seq(20)]);
    for (let i = 0; i < 6; i++) {
      run.releaseNext();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all([blocker, all]);
    // 3 inputs max; 2+6 fits 10 tokens but 2+6+6 does not; a lone input over the cap still runs.
    expect(run.batches).toEqual([[1], [2, 2, 2], [2, 6], [6], [20]]);
    expect((await all).vectors.map((v) => v[0])).toEqual([2, 2, 2, 2, 6, 6, 20]);
    await queue.close();
  });

  it('fails when maxConcurrentRequests requests are already admitted (429)', async () => {
    const run = controlledRun();
    const queue = new BatchQueue({ runBatch: run.runBatch, maxConcurrentRequests: 2 });
    const admitted = [queue.submit([seq(1)]), queue.submit([seq(1)])];
    await expect(queue.submit([seq(1)])).rejects.toBeInstanceOf(OverloadedError);
    expect(queue.size).toBe(2);
    // Both were queued before the loop woke, so they share one model run.
    run.releaseNext();
    await Promise.all(admitted);
    expect(run.batches).toEqual([[1, 1]]);
    expect(queue.size).toBe(0);
    await expect(Promise.race([queue.submit([seq(1)]), Promise.resolve('admitted')])).resolves.toBe(
      'admitted',
    );
    run.releaseNext();
    await queue.close();
  });

  it('fails every request of a batch whose model run throws, and keeps serving', async () => {
    let calls = 0;
    const queue = new BatchQueue({
      runBatch: async (sequences) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return sequences.map(() => new Float32Array(1));
      },
    });
    await expect(queue.submit([seq(1), seq(2)])).rejects.toThrow('boom');
    await expect(queue.submit([seq(1)])).resolves.toMatchObject({
      vectors: [expect.any(Float32Array)],
    });
    await queue.close();
  });

  it('finishes admitted requests on close and refuses new ones (503)', async () => {
    const run = controlledRun();
    const queue = new BatchQueue({ runBatch: run.runBatch, maxBatchRequests: 1 });
    const pending = [queue.submit([seq(1)]), queue.submit([seq(2)])];
    await expect.poll(() => run.batches.length).toBe(1);
    const closed = queue.close();
    await expect(queue.submit([seq(3)])).rejects.toBeInstanceOf(NotReadyError);
    run.releaseNext();
    await expect.poll(() => run.batches.length).toBe(2);
    run.releaseNext();
    await closed;
    expect((await Promise.all(pending)).map((r) => r.vectors[0]?.[0])).toEqual([1, 2]);
  });
});
