/**
 * Runs a registry client (mvn, pip, java tools) to completion, passing chosen output lines to
 * a callback and keeping the tail for the error message when it fails.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FetchError } from './errors.js';

export interface RunCommandOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Called with each output line (stdout and stderr); ignored when `inheritStdio` is set.
   * @default - lines are only kept for the error message
   */
  readonly onLine?: (line: string) => void;
  /**
   * Lets the child write straight to this terminal, e.g. so pip draws its own progress bar.
   * @default false
   */
  readonly inheritStdio?: boolean;
  /** What the command is for, used in the error message (`fetching the Kafka jars`). */
  readonly purpose: string;
}

const TAIL_LINES = 30;

/** Quotes an argument for display as a shell command. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `command args...` and resolves when it exits 0.
 * @throws FetchError with the last lines of output when it cannot start or exits non-zero
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<void> {
  const display = [command, ...args].map(shellQuote).join(' ');
  const tail: string[] = [];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: options.inheritStdio ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.onLine?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', keep);
  }
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolvePromise(exitCode));
  }).catch((cause: NodeJS.ErrnoException) => {
    const hint = cause.code === 'ENOENT' ? ` (is \`${command}\` installed and on the PATH?)` : '';
    throw new FetchError(
      `${options.purpose} failed: could not run \`${display}\`: ${cause.message}${hint}`,
      display,
      { cause },
    );
  });
  if (code !== 0) {
    throw new FetchError(
      `${options.purpose} failed: \`${display}\` exited with ${String(code)}` +
        (tail.length > 0 ? `; last output:\n${tail.join('\n')}` : ''),
      display,
    );
  }
}
