import type { EmbedderApi } from '../embedder/embedder-service.js';

/** A service of another team that meshrag grants access to, named by its identity. */
export interface OnboardedService {
  /** Unique among the stack's producers and readers; the KafkaUser name of a producer. */
  readonly name: string;
  /** Namespace of the service's pods; it must have Istio sidecar injection. */
  readonly namespace: string;
  /** The ServiceAccount its pods run as: the mesh principal grants name. */
  readonly serviceAccount: string;
  /**
   * Labels of its pods, for NetworkPolicy peers.
   * @default - `app.kubernetes.io/name: <name>`
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** An upstream service that writes parsed documents to `documents.parsed`. */
export type ProducerConfig = OnboardedService;

/** A RAG application that embeds queries and reads the vectors. */
export interface ReaderConfig extends OnboardedService {
  /**
   * Embedding APIs it calls.
   * @default ['tei'] (`POST /embed`)
   */
  readonly embedderApis?: readonly EmbedderApi[];
  /**
   * The Chroma collection it reads.
   * @default 'meshrag'
   */
  readonly collection?: string;
  /**
   * Chroma record reads: `query` and/or `get`. Anything else (a write) is refused.
   * @default ['query', 'get']
   */
  readonly chromaOperations?: readonly string[];
}
