/**
 * The lifecycle topics of a document, declared once. The consumer, the CLI and the Strimzi
 * topic plan (`constructs/kafka`) all read names from here, so a rename is one edit.
 */
export const LifecycleTopics = {
  /** Input: one parsed document per record, keyed by document id. */
  parsed: 'documents.parsed',
  /** A document's chunks were embedded. */
  embedded: 'chunks.embedded',
  /** A document's vectors were written to Chroma. */
  indexed: 'vectors.indexed',
  /** A document could not be ingested (lifecycle event; the record itself goes to the DLQ). */
  failed: 'documents.failed',
  /** Dead letters: the original record, with the error in headers. */
  dlq: 'documents.dlq',
} as const;

export type LifecycleTopicRole = keyof typeof LifecycleTopics;
export type LifecycleTopicName = (typeof LifecycleTopics)[LifecycleTopicRole];

export const allLifecycleTopics: readonly LifecycleTopicName[] = Object.values(LifecycleTopics);
