import { describe, expect, it } from 'vitest';
import { l2Normalize, meanPool } from '../../../../../app/embedder/src/backend/mean-pooling.js';

describe('meanPool', () => {
  it('averages only the unpadded tokens of each row', () => {
    // batch 2, seqLen 3, dims 2; row 0 has 2 real tokens, row 1 has 3.
    const hidden = new Float32Array([1, 2, 3, 4, 100, 100, 1, 1, 2, 2, 3, 3]);
    const [a, b] = meanPool(hidden, [2, 3], 3, 2);
    expect(Array.from(a as Float32Array)).toEqual([2, 3]);
    expect(Array.from(b as Float32Array)).toEqual([2, 2]);
  });
});

describe('l2Normalize', () => {
  it('scales to unit length and leaves a zero vector at zero', () => {
    expect(Array.from(l2Normalize(new Float32Array([3, 4])))).toEqual([
      expect.closeTo(0.6, 6),
      expect.closeTo(0.8, 6),
    ]);
    expect(Array.from(l2Normalize(new Float32Array(2)))).toEqual([0, 0]);
  });
});
