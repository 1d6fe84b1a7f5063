/**
 * The consumer process: `node --import tsx app/consumer/src/main.ts` from sources, or
 * `node dist/app/consumer/src/main.js` in the image. Configuration comes from
 * `MESHRAG_CONSUMER_*` variables (see README.md). SIGTERM/SIGINT finish the group in flight,
 * commit it and leave the consumer group before exiting.
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConsumerConfig } from './config.js';
import { startConsumerService } from './consumer-service.js';
import { ConsumerConfigError } from './errors.js';

let config: ReturnType<typeof loadConsumerConfig>;
try {
  config = loadConsumerConfig(process.env);
} catch (error) {
  if (error instanceof ConsumerConfigError) {
    process.stderr.write(`meshrag-consumer: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const logger = pino({ name: 'meshrag-consumer', level: config.logLevel });
const service = await startConsumerService({
  config,
  logger,
  // kafkajs will not restart: exit non-zero so the supervisor (or Kubernetes) starts a fresh
  // consumer, which resumes from the last committed offsets.
  onFatal: (error) => {
    logger.fatal({ err: error }, 'consumer cannot continue; exiting');
    service.stop().finally(() => process.exit(1));
  },
}).catch((error: unknown) => {
  // settings that disagree with the embedder's (checked at boot): a clear message, exit 2
  if (error instanceof ConsumerConfigError) {
    process.stderr.write(`meshrag-consumer: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
});

closeWithGrace({ delay: 30_000, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'closing');
  await service.stop();
});
