/**
 * How a partition paused on backpressure comes back: after its backoff, or as soon as the
 * dependency that was down answers a cheap health probe, whichever comes first. A long outage
 * grows the backoff to tens of seconds; the probe makes recovery take about one probe interval
 * after the dependency returns, at the cost of one small request per interval (no hot loop).
 */
export interface PauseUntilRecoveredOptions {
  /** Resumes the partition; called exactly once, unless the pause is cancelled first. */
  readonly resume: () => void;
  /** Upper bound on the pause. */
  readonly delayMs: number;
  /**
   * The dependency's health check; never two at once, the next one `probeIntervalMs` after the
   * last answered. A rejection counts as "still down".
   * @default - none: resume after `delayMs`
   */
  readonly probe?: () => Promise<boolean>;
  /** @default 1000 */
  readonly probeIntervalMs?: number;
}

/** @returns cancel: clears the timers and never resumes (the consumer is stopping). */
export function pauseUntilRecovered(options: PauseUntilRecoveredOptions): () => void {
  let settled = false;
  const timers = new Set<NodeJS.Timeout>();
  const cancel = () => {
    settled = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  const schedule = (callback: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };
  const finish = () => {
    if (settled) return;
    cancel();
    options.resume();
  };
  schedule(finish, options.delayMs);
  const { probe } = options;
  if (probe) {
    const intervalMs = options.probeIntervalMs ?? 1_000;
    const tick = async () => {
      const up = await probe().catch(() => false);
      if (settled) return;
      if (up) finish();
      else schedule(tick, intervalMs);
    };
    schedule(tick, intervalMs);
  }
  return cancel;
}
