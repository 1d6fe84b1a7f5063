/**
 * How one batch of sequences is split into model runs: sorted by length, a run takes the next
 * sequences while they are at least `bucketLengthRatio` of its longest one (so short inputs are
 * not padded to the length of long ones) and while the padded run stays within the token and
 * attention-memory bounds. Shared by every runtime so they pad the same way.
 */
export interface LengthBucketOptions {
  /** @default 0.75 */
  readonly bucketLengthRatio?: number;
  /** Most padded tokens (inputs x longest length) in one run. @default 4096 */
  readonly maxRunTokens?: number;
  /** Most attention-matrix entries (inputs x longest length²) in one run. @default 262144 */
  readonly maxRunAttentionEntries?: number;
}

export interface ModelRun {
  /** Indices into the input, longest first. */
  readonly indices: readonly number[];
  /** Padded length of the run: the length of its first (longest) sequence. */
  readonly seqLen: number;
}

export function planRuns(
  lengths: readonly number[],
  options: LengthBucketOptions = {},
): ModelRun[] {
  const ratio = options.bucketLengthRatio ?? 0.75;
  const maxRunTokens = options.maxRunTokens ?? 4096;
  const maxRunAttentionEntries = options.maxRunAttentionEntries ?? 4 * 256 * 256;
  const lengthOf = (i: number) => lengths[i] as number;
  const order = lengths.map((_, i) => i).sort((a, b) => lengthOf(b) - lengthOf(a));
  const runs: ModelRun[] = [];
  let start = 0;
  while (start < order.length) {
    const longest = lengthOf(order[start] as number);
    let end = start + 1;
    while (
      end < order.length &&
      lengthOf(order[end] as number) >= longest * ratio &&
      (end - start + 1) * longest <= maxRunTokens &&
      (end - start + 1) * longest * longest <= maxRunAttentionEntries
    ) {
      end++;
    }
    runs.push({ indices: order.slice(start, end), seqLen: longest });
    start = end;
  }
  return runs;
}
