import { describe, expect, it } from 'vitest';
import { exportedFamilies, isExported, metricNamesIn } from '../../../helpers/exported-metrics.js';

const EXPOSITION = `# HELP meshrag_embed_batch_size Inputs per model run
# TYPE meshrag_embed_batch_size histogram
meshrag_embed_batch_size_bucket{le="1"} 0
# HELP meshrag_consumer_dlq_total Records sent to documents.dlq
# TYPE meshrag_consumer_dlq_total counter
`;

describe('exported-metrics (the dashboard check)', () => {
  it('finds the metric names an expression selects', () => {
    expect(
      metricNamesIn([
        'histogram_quantile(0.95, sum by (le) (rate(meshrag_embed_batch_size_bucket{namespace="x"}[5m])))',
        'sum(rate(meshrag_consumer_dlq_total{a="b"}[5m])) > 0',
      ]),
    ).toEqual(['meshrag_consumer_dlq_total', 'meshrag_embed_batch_size_bucket']);
  });

  it('accepts a declared family and a histogram bucket, even with no sample yet', () => {
    const families = exportedFamilies(EXPOSITION);
    expect(isExported('meshrag_consumer_dlq_total', families)).toBe(true);
    expect(isExported('meshrag_embed_batch_size_bucket', families)).toBe(true);
  });

  it('fails when a panel names a metric nobody exports, or a bucket of a counter', () => {
    const families = exportedFamilies(EXPOSITION);
    expect(isExported('meshrag_embed_batch_sizes_bucket', families)).toBe(false);
    expect(isExported('meshrag_consumer_dlq_total_bucket', families)).toBe(false);
    expect(isExported('meshrag_consumer_lag', families)).toBe(false);
  });
});
