import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../../cli/commands/ingest.js';

describe('splitLines', () => {
  it('splits on LF and CRLF, drops blank lines, keeps bytes as they are', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":"a"}\r\n\n   \n'),
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from('\n{"id":"b"}'),
    ]);
    const lines = splitLines(bytes);
    expect(lines.map((l) => [...l])).toEqual([
      [...Buffer.from('{"id":"a"}')],
      [0x7b, 0xff, 0x7d],
      [...Buffer.from('{"id":"b"}')],
    ]);
  });

  it('returns nothing for an empty file', () => {
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
  });
});
