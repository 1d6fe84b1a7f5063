import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pauseUntilRecovered } from '../../../../../app/consumer/src/delivery/pause-until-recovered.js';

/** A dependency that is down until `up()`; counts probes and how many ran at once. */
function dependency() {
  let healthy = false;
  let inFlight = 0;
  const state = { probes: 0, maxInFlight: 0 };
  return {
    state,
    up: () => {
      healthy = true;
    },
    probe: async () => {
      state.probes++;
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight--;
      return healthy;
    },
  };
}

describe('pauseUntilRecovered', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails when a partition stays paused for its whole backoff after the dependency is back', async () => {
    const dep = dependency();
    const resume = vi.fn();
    pauseUntilRecovered({ resume, delayMs: 30_000, probe: dep.probe, probeIntervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(resume).not.toHaveBeenCalled();
    dep.up();
    // back at t=10 s: resumed by the next probe, within an interval plus the probe's own time
    await vi.advanceTimersByTimeAsync(1_100);
    expect(resume).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(resume).toHaveBeenCalledTimes(1);
  });

  it('probes one at a time, once per interval (no hot loop), while the dependency is down', async () => {
    const dep = dependency();
    const resume = vi.fn();
    pauseUntilRecovered({ resume, delayMs: 30_000, probe: dep.probe, probeIntervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(20_000);
    // an interval after each answer (1,050 ms a cycle): 19 probes in 20 s, never two at once
    expect(dep.state.probes).toBeGreaterThanOrEqual(18);
    expect(dep.state.probes).toBeLessThanOrEqual(20);
    expect(dep.state.maxInFlight).toBe(1);
    expect(resume).not.toHaveBeenCalled();
  });

  it('resumes after the backoff when the probe never succeeds or rejects, and without a probe', async () => {
    const rejecting = vi.fn(async () => {
      throw new Error('ECONNREFUSED');
    });
    const withProbe = vi.fn();
    const withoutProbe = vi.fn();
    pauseUntilRecovered({ resume: withProbe, delayMs: 5_000, probe: rejecting });
    pauseUntilRecovered({ resume: withoutProbe, delayMs: 5_000 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(withProbe).not.toHaveBeenCalled();
    expect(withoutProbe).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(withProbe).toHaveBeenCalledTimes(1);
    expect(withoutProbe).toHaveBeenCalledTimes(1);
    const probesAtResume = rejecting.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rejecting.mock.calls.length).toBe(probesAtResume);
  });

  it('never resumes nor probes again once cancelled (the consumer is stopping)', async () => {
    const dep = dependency();
    const resume = vi.fn();
    const cancel = pauseUntilRecovered({ resume, delayMs: 3_000, probe: dep.probe });
    await vi.advanceTimersByTimeAsync(1_020);
    dep.up();
    cancel();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(resume).not.toHaveBeenCalled();
    expect(dep.state.probes).toBe(1);
  });
});
