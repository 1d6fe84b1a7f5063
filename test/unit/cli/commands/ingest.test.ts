import { describe, expect, it } from 'vitest';
import { RecordSizeBudget } from '../../../../app/common/record-size-budget.js';
import {
  ingestSummary,
  type NumberedLine,
  prepareIngest,
  splitLines,
} from '../../../../cli/commands/ingest.js';

const lines = (...texts: string[]): NumberedLine[] =>
  texts.map((text, i) => ({ lineNumber: i + 1, bytes: Buffer.from(text) }));

describe('splitLines', () => {
  it('splits on LF and CRLF, drops blank lines, keeps bytes as they are and line numbers', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":"a"}\r\n\n   \n'),
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from('\n{"id":"b"}'),
    ]);
    const split = splitLines(bytes);
    expect(split.map((l) => [l.lineNumber, [...l.bytes]])).toEqual([
      [1, [...Buffer.from('{"id":"a"}')]],
      [4, [0x7b, 0xff, 0x7d]],
      [5, [...Buffer.from('{"id":"b"}')]],
    ]);
  });

  it('returns nothing for an empty file', () => {
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
  });
});

describe('prepareIngest', () => {
  const max = RecordSizeBudget.maxContentBytes;

  it('accepts content at exactly the limit and rejects one byte over with line, id and size', () => {
    const { records, rejections } = prepareIngest(
      lines(
        JSON.stringify({ id: 'at-limit', content: 'a'.repeat(max) }),
        JSON.stringify({ id: 'over', content: 'a'.repeat(max + 1) }),
        JSON.stringify({ id: 'small', content: 'hello' }),
      ),
      { raw: false },
    );
    expect(records.map((r) => [r.lineNumber, r.key])).toEqual([
      [1, 'at-limit'],
      [3, 'small'],
    ]);
    expect(rejections).toEqual([
      {
        lineNumber: 2,
        id: 'over',
        lineBytes: max + 1 + 26,
        reason: 'oversized',
        message: `document "over" content is ${max + 1} bytes; the limit is ${max}`,
      },
    ]);
  });

  it('rejects content within the limit whose escapes make the record too big', () => {
    const { records, rejections } = prepareIngest(
      lines(JSON.stringify({ id: 'escapes', content: '\u0001'.repeat(max) })),
      { raw: false },
    );
    expect(records).toEqual([]);
    expect(rejections[0]).toMatchObject({ id: 'escapes', reason: 'oversized' });
    expect(rejections[0]?.message).toMatch(
      /encoded envelope is \d+ bytes; a record may be at most/,
    );
  });

  it('rejects invalid lines with their reason and keeps the valid ones', () => {
    const { records, rejections } = prepareIngest(
      lines(
        '{"id": "broken", ',
        JSON.stringify({ id: 'empty', content: ' ' }),
        '{"id":"ok","content":"x"}',
      ),
      { raw: false },
    );
    expect(records.map((r) => r.key)).toEqual(['ok']);
    expect(rejections.map((r) => [r.lineNumber, r.id, r.reason])).toEqual([
      [1, null, 'invalid-json'],
      [2, 'empty', 'empty-content'],
    ]);
  });

  it('with raw, sends bad lines as they are but still refuses a line the topic cannot take', () => {
    const tooBig = `{"id":"huge","content":"${'a'.repeat(RecordSizeBudget.maxValueBytes)}"}`;
    const { records, rejections } = prepareIngest(lines('{"id": "broken", ', tooBig), {
      raw: true,
    });
    expect(records.map((r) => r.value.toString())).toEqual(['{"id": "broken", ']);
    expect(rejections).toMatchObject([
      { lineNumber: 2, id: 'huge', reason: 'oversized', lineBytes: tooBig.length },
    ]);
    expect(rejections[0]?.message).toBe(
      `the line is ${tooBig.length} bytes; a record may be at most ${RecordSizeBudget.maxValueBytes} bytes`,
    );
  });
});

describe('ingestSummary', () => {
  it('reports what was sent and each rejection with its reason', () => {
    const text = ingestSummary(
      'big.jsonl',
      { records: 3, bytes: 1_258_291, requests: 1, raw: false },
      [
        {
          lineNumber: 4,
          id: 'over',
          lineBytes: 1_048_603,
          reason: 'oversized',
          message: 'too big',
        },
      ],
    );
    expect(text).toBe(
      'meshrag: sent 3 record(s), 1.2 MiB in 1 request(s), to documents.parsed\n' +
        'meshrag: rejected 1 line(s), not sent (oversized: 1):\n' +
        '  big.jsonl:4 id "over" (1048603 bytes): oversized: too big\n',
    );
  });
});
