/**
 * Errors of the local runtime (`meshrag local`). Each says what went wrong, with the value at
 * fault, and what to do next, so the CLI can print `message` as is.
 */

/** A downloaded file in the cache is missing or its bytes differ from the pinned hash. */
export class CacheIntegrityError extends Error {
  override readonly name = 'CacheIntegrityError';
  constructor(
    message: string,
    /** The file at fault. */
    readonly file: string,
  ) {
    super(message);
  }
}

/** A registry client (mvn, pip) failed or is not installed. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    message: string,
    /** The command that failed, as typed in a shell. */
    readonly command: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A local service could not be started, did not become healthy, or could not be stopped. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    message: string,
    /** The service definition's name, e.g. `kafka-0` or `chroma`. */
    readonly service: string,
    /** Its log file, when it got as far as having one. */
    readonly logFile?: string,
  ) {
    super(message);
  }
}
