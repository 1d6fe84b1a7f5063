/**
 * How the local runtime tells a person what it is doing: plain lines, one per step, so the
 * output reads the same in CI logs and in test output; on a terminal, downloads draw a bar.
 */
import { Presets, SingleBar } from 'cli-progress';

/** A counted task: `tick` once per item done. */
export interface ProgressHandle {
  tick(item: string): void;
  stop(): void;
}

export interface Reporter {
  /** A step or its outcome. */
  info(message: string): void;
  /** Something went wrong and is being repaired (a corrupted file re-fetched, a stale pid). */
  warn(message: string): void;
  /** True when output goes to a terminal, so a child may draw its own progress bar. */
  readonly interactive: boolean;
  /**
   * A progress bar for `total` items, when output goes to a terminal.
   * @default - none; callers print a line per item instead
   */
  readonly progress?: (label: string, total: number) => ProgressHandle;
}

/** Writes `meshrag: ...` lines to stderr, keeping stdout for results (`status --json`). */
export function consoleReporter(
  stream: NodeJS.WriteStream = process.stderr,
  prefix = 'meshrag',
): Reporter {
  const interactive = stream.isTTY === true;
  return {
    info: (message) => stream.write(`${prefix}: ${message}\n`),
    warn: (message) => stream.write(`${prefix}: warning: ${message}\n`),
    interactive,
    ...(interactive
      ? {
          progress: (label: string, total: number): ProgressHandle => {
            const bar = new SingleBar(
              {
                stream,
                format: `${prefix}: ${label} [{bar}] {value}/{total} {item}`,
                hideCursor: true,
              },
              Presets.shades_classic,
            );
            bar.start(total, 0, { item: '' });
            return { tick: (item) => bar.increment(1, { item }), stop: () => bar.stop() };
          },
        }
      : {}),
  };
}

/** Collects messages instead of printing them; tests read `lines`. */
export function memoryReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(message),
    warn: (message) => lines.push(`warning: ${message}`),
    interactive: false,
  };
}
