/**
 * Pinned checksum lists in `sha256sum` format (`<hex>  <file>` per line), and the check of a
 * directory against one. The Kafka jars are verified this way before every start.
 */

import { join } from 'node:path';
import { sha256File } from '../app/common/model-files.js';

export interface FileProblem {
  readonly file: string;
  readonly kind: 'missing' | 'corrupted';
  readonly expectedSha256: string;
  /** Present when the file exists but hashes differently. */
  readonly actualSha256?: string;
}

/**
 * Parses `sha256sum` output; blank lines and `#` comments are skipped.
 * @throws Error naming the line that is not `<64 hex>  <file>`
 */
export function parseChecksumList(text: string): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match?.[1] || !match[2]) {
      throw new Error(`checksum list line ${index + 1} is not "<sha256>  <file>": ${line}`);
    }
    result.set(match[2], match[1]);
  }
  return result;
}

/** Formats a checksum list the way `sha256sum` writes one, sorted by file name. */
export function formatChecksumList(entries: ReadonlyMap<string, string>): string {
  return [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, sha256]) => `${sha256}  ${file}\n`)
    .join('');
}

/** Hashes every listed file under `dir`; returns the missing and corrupted ones. */
export async function verifyChecksumList(
  dir: string,
  expected: ReadonlyMap<string, string>,
): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  for (const [file, expectedSha256] of expected) {
    let actualSha256: string;
    try {
      actualSha256 = await sha256File(join(dir, file));
    } catch {
      problems.push({ file, kind: 'missing', expectedSha256 });
      continue;
    }
    if (actualSha256 !== expectedSha256) {
      problems.push({ file, kind: 'corrupted', expectedSha256, actualSha256 });
    }
  }
  return problems;
}

/** One line for a person: `kafka-clients-4.3.1.jar is corrupted (sha256 ab12…, expected cd34…)`. */
export function describeProblem(problem: FileProblem): string {
  return problem.kind === 'missing'
    ? `${problem.file} is missing`
    : `${problem.file} is corrupted (sha256 ${problem.actualSha256?.slice(0, 12)}…, expected ${problem.expectedSha256.slice(0, 12)}…)`;
}
