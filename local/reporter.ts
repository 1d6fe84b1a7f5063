/**
 * How the local runtime tells a person what it is doing: plain lines, one per step, so the
 * output reads the same on a terminal, in CI logs and in test output.
 */
export interface Reporter {
  /** A step or its outcome. */
  info(message: string): void;
  /** Something went wrong and is being repaired (a corrupted file re-fetched, a stale pid). */
  warn(message: string): void;
  /** True when output goes to a terminal, so a child may draw its own progress bar. */
  readonly interactive: boolean;
}

/** Writes `meshrag: ...` lines to stderr, keeping stdout for results (`status --json`). */
export function consoleReporter(
  stream: NodeJS.WriteStream = process.stderr,
  prefix = 'meshrag',
): Reporter {
  return {
    info: (message) => stream.write(`${prefix}: ${message}\n`),
    warn: (message) => stream.write(`${prefix}: warning: ${message}\n`),
    interactive: stream.isTTY === true,
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
