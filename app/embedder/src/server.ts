/**
 * Runs the embedder as a process: listen first (so /health answers 503 while the model loads),
 * then load the model. On SIGTERM/SIGINT, close-with-grace closes the app: fastify stops
 * accepting connections and answers 503 on kept-alive ones, requests in flight finish, then the
 * queue drains and the model worker stops. Past `shutdownTimeoutMs` the process exits anyway.
 */
import closeWithGrace from 'close-with-grace';
import { type BuildAppOptions, buildApp, type EmbedderApp } from './app.js';

export interface StartedServer {
  readonly app: EmbedderApp;
  /** The address the server listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Resolves once the model is loaded; rejects if it failed to load. */
  readonly ready: Promise<void>;
}

export interface StartServerOptions extends BuildAppOptions {
  /**
   * Exit the process on SIGTERM/SIGINT and on a failed model load.
   * @default true
   */
  readonly handleSignals?: boolean;
}

export async function startServer(options: StartServerOptions): Promise<StartedServer> {
  const { config } = options;
  const app = buildApp(options);
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    const closeListeners = closeWithGrace(
      { delay: config.shutdownTimeoutMs, logger: app.log },
      async ({ signal, err }) => {
        if (err) app.log.error({ err }, 'shutting down after an error');
        else app.log.info({ signal }, 'shutting down: draining queued requests');
        await app.close();
        app.log.info('shut down');
      },
    );
    app.addHook('onClose', async () => {
      closeListeners.uninstall();
    });
  }
  const url = await app.listen({ host: config.host, port: config.port });
  const ready = app.embedder.start();
  ready.catch((err: unknown) => {
    app.log.fatal({ err }, 'model failed to load');
    if (handleSignals) {
      void app.close().finally(() => {
        process.exitCode = 1;
      });
    }
  });
  return { app, url, ready };
}
