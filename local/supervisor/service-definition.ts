/**
 * What the supervisor needs to know to run one local service. `meshrag local up` hands it a
 * list of these (Kafka nodes, Chroma, and later the embedder and the consumer), so adding a
 * service means adding a definition, not a branch in the supervisor.
 */

/** How to tell that a service is ready. Plain data, so `status` can re-check from the state file. */
export type HealthCheck =
  /** Any 2xx answer to a GET. */
  | { readonly kind: 'http'; readonly url: string }
  /** A Kafka cluster whose metadata lists `expectedBrokers` brokers, asked through `bootstrap`. */
  | { readonly kind: 'kafka'; readonly bootstrap: string; readonly expectedBrokers: number }
  /** A TCP port that accepts connections. */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** Only that the process is alive (for workers without a port). */
  | { readonly kind: 'process' };

export interface ServiceDefinition {
  /** Unique and stable, used for log file names and in the state file: `kafka-0`, `chroma`. */
  readonly name: string;
  /** Named ports the service listens on; each is checked free before start and shown by `status`. */
  readonly ports: Readonly<Record<string, number>>;
  /** The address clients use, shown by `status`, e.g. `127.0.0.1:19092`. */
  readonly endpoint: string;
  /**
   * Names of services that must be healthy before this one starts.
   * @default - none; services with no dependencies start together
   */
  readonly dependsOn?: readonly string[];
  /**
   * Work before the process is spawned (write config, format storage). Runs on every start.
   * @default - nothing
   */
  readonly prepare?: () => Promise<void>;
  /** The executable and its arguments; spawned directly, no shell. */
  readonly command: string;
  readonly args: readonly string[];
  /**
   * Extra environment variables on top of this process's environment.
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Working directory.
   * @default - the run directory
   */
  readonly cwd?: string;
  readonly health: HealthCheck;
  /**
   * The service's own log file, when it writes one besides stdout/stderr (Kafka's log4j2 file).
   * @default - the captured stdout/stderr file
   */
  readonly logFile?: string;
  /**
   * How long to wait for the health check to pass after spawning.
   * @default 90_000
   */
  readonly startTimeoutMs?: number;
  /**
   * How long to wait after SIGTERM before SIGKILL.
   * @default 15_000
   */
  readonly stopTimeoutMs?: number;
}
