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

/** Reads one run's last hidden state (`[inputs x seqLen x dimensions]`) into one array per input. */
export type HiddenStateReader = (
  hidden: Float32Array,
  lengths: readonly number[],
  seqLen: number,
) => Float32Array[];

/**
 * Runs `sequences` bucket by bucket (see `planRuns`), one run at a time: `runPadded` gets a
 * run's sequences, longest first, and its padded length, and returns one result per sequence.
 * The results come back in input order.
 */
export async function runInBuckets(
  sequences: readonly Int32Array[],
  options: LengthBucketOptions,
  runPadded: (
    batch: readonly Int32Array[],
    seqLen: number,
  ) => Promise<Float32Array[]> | Float32Array[],
): Promise<Float32Array[]> {
  const results = new Array<Float32Array>(sequences.length);
  for (const run of planRuns(
    sequences.map((s) => s.length),
    options,
  )) {
    const vectors = await runPadded(
      run.indices.map((i) => sequences[i] as Int32Array),
      run.seqLen,
    );
    run.indices.forEach((index, k) => {
      results[index] = vectors[k] as Float32Array;
    });
  }
  return results;
}

/**
 * Writes `batch` right-padded to `seqLen` into `inputIds` and `attentionMask`
 * (`[batch.length x seqLen]`, zero-filled by the caller: padding is token 0, mask 0).
 */
export function writePadded(
  batch: readonly Int32Array[],
  seqLen: number,
  inputIds: BigInt64Array,
  attentionMask: BigInt64Array,
): void {
  batch.forEach((ids, b) => {
    const base = b * seqLen;
    for (let t = 0; t < ids.length; t++) {
      inputIds[base + t] = BigInt(ids[t] as number);
      attentionMask[base + t] = 1n;
    }
  });
}
