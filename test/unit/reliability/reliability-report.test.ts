import { describe, expect, it } from 'vitest';
import { type ScenarioReport, withScenario } from '../../reliability/reliability-report.js';

const report = (value: number): ScenarioReport => ({
  id: 'demo',
  title: 'Demo',
  description: 'What it does.',
  command: 'npx vitest run demo',
  figures: [
    ['records in', value],
    ['time to recover', '1.5 s'],
  ],
});
const at = new Date('2026-11-30T00:00:00Z');

describe('withScenario', () => {
  it('appends a section once, then replaces only its own section and keeps the text around it', () => {
    const first = withScenario('# Doc\n\nHand-written.\n', report(1), at);
    expect(first).toContain('Hand-written.');
    expect(first).toContain('| records in      | 1     |');
    const other = withScenario(first, { ...report(7), id: 'other' }, at);
    const second = withScenario(other, report(2), at);
    expect(second.match(/reliability:demo:start/g)).toHaveLength(1);
    expect(second).toContain('| records in      | 2     |');
    expect(second).not.toContain('| records in      | 1     |');
    expect(second).toContain('reliability:other:start');
    expect(second.indexOf('Hand-written.')).toBeLessThan(second.indexOf('reliability:demo:start'));
  });

  it('pads table cells as biome formats Markdown (every row the same width)', () => {
    const rows = withScenario('', report(123456), at)
      .split('\n')
      .filter((line) => line.startsWith('|'));
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    expect(rows[1]).toMatch(/^\| -+ \| -+ \|$/);
  });
});
