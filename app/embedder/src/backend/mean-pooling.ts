/**
 * Sentence-transformers pooling for all-MiniLM-L6-v2: the mean of the token vectors under the
 * attention mask, then (optionally) L2 normalisation.
 * @see https://www.sbert.net/docs/sentence_transformer/usage/semantic_textual_similarity.html
 */

/**
 * Mean-pools `hidden` ([batch, seqLen, dims], row-major) over the first `lengths[b]` tokens of
 * each row (right padding, so the attention mask is a prefix of ones).
 */
export function meanPool(
  hidden: Float32Array,
  lengths: readonly number[],
  seqLen: number,
  dims: number,
): Float32Array[] {
  return lengths.map((length, b) => {
    const out = new Float32Array(dims);
    const base = b * seqLen * dims;
    for (let t = 0; t < length; t++) {
      const offset = base + t * dims;
      for (let d = 0; d < dims; d++) out[d] = (out[d] as number) + (hidden[offset + d] as number);
    }
    const count = Math.max(length, 1);
    for (let d = 0; d < dims; d++) out[d] = (out[d] as number) / count;
    return out;
  });
}

/**
 * The token vectors of each row of `hidden` ([batch, seqLen, dims], right padding) with the
 * padding cut off: one `[lengths[b] x dims]` copy per row, so the run's output can be freed.
 */
export function unpadTokens(
  hidden: Float32Array,
  lengths: readonly number[],
  seqLen: number,
  dims: number,
): Float32Array[] {
  return lengths.map((length, b) => hidden.slice(b * seqLen * dims, (b * seqLen + length) * dims));
}

/** Returns a unit-length copy of `vector` (a zero vector stays zero). */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) / norm;
  return out;
}
