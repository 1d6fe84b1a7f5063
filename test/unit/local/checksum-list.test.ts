import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeProblem,
  formatChecksumList,
  parseChecksumList,
  verifyChecksumList,
} from '../../../local/checksum-list.js';

// sha256 of "hello\n"
const HELLO = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';

describe('checksum lists', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('parses sha256sum output and formats it back, sorted', () => {
    const list = parseChecksumList(`# pinned\n${HELLO}  b.jar\n\n${'0'.repeat(64)} *a.jar\n`);
    expect([...list]).toEqual([
      ['b.jar', HELLO],
      ['a.jar', '0'.repeat(64)],
    ]);
    expect(formatChecksumList(list)).toBe(`${'0'.repeat(64)}  a.jar\n${HELLO}  b.jar\n`);
  });

  it('fails when a line is not "<sha256>  <file>"', () => {
    expect(() => parseChecksumList(`${HELLO}  ok.jar\nabc  bad.jar\n`)).toThrow(
      'checksum list line 2 is not "<sha256>  <file>": abc  bad.jar',
    );
  });

  it('reports missing and corrupted files, and nothing for good ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshrag-sums-'));
    dirs.push(dir);
    await writeFile(join(dir, 'good.jar'), 'hello\n');
    await writeFile(join(dir, 'bad.jar'), 'tampered');
    const problems = await verifyChecksumList(
      dir,
      new Map([
        ['good.jar', HELLO],
        ['bad.jar', HELLO],
        ['gone.jar', HELLO],
      ]),
    );
    expect(problems.map((p) => [p.file, p.kind])).toEqual([
      ['bad.jar', 'corrupted'],
      ['gone.jar', 'missing'],
    ]);
    const [corrupted, missing] = problems;
    if (!corrupted || !missing) throw new Error('expected two problems');
    expect(describeProblem(corrupted)).toMatch(
      /^bad\.jar is corrupted \(sha256 [0-9a-f]{12}…, expected 5891b5b522d5…\)$/,
    );
    expect(describeProblem(missing)).toBe('gone.jar is missing');
  });
});
