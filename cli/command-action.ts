/**
 * The wrapper every `meshrag` command body runs in, so a failure reads the same everywhere:
 * its message on stderr (no stack; the stack is for bugs, not for a broker that is down) and
 * exit code 1, set rather than `process.exit` so pending output and cleanup still finish.
 */

/** Runs a command body; a failure prints `meshrag: error: <message>` and sets exit code 1. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await body(...args);
    } catch (error) {
      process.stderr.write(`meshrag: error: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}
