/**
 * `meshrag dlq [--json]`: lists the dead letters in `documents.dlq` with the reason recorded
 * in their headers. Reads with a throwaway consumer group, so no one's offsets move.
 */
import type { Command } from 'commander';
import { createKafka } from '../../app/common/kafka.js';
import { readDeadLetters } from '../../app/consumer/src/delivery/dead-letter-reader.js';
import { action } from '../command-action.js';
import { brokersOf, type PipelineConnection, withPipelineOptions } from '../pipeline-options.js';

export function registerDlqCommand(program: Command): void {
  withPipelineOptions(
    program
      .command('dlq')
      .description('list the records in documents.dlq and why they failed')
      .option('--json', 'print JSON (values as UTF-8 where valid, else base64)', false),
  ).action(
    action(async (options: PipelineConnection & { json: boolean }) => {
      const kafka = createKafka({
        brokers: brokersOf(options),
        clientId: 'meshrag-cli',
        logLevel: 'ERROR',
      });
      const letters = await readDeadLetters(kafka);
      if (options.json) {
        const decoder = new TextDecoder('utf-8', { fatal: true });
        const shown = letters.map(({ value, ...rest }) => {
          let text: string | null = null;
          try {
            text = value ? decoder.decode(value) : null;
          } catch {
            // not UTF-8
          }
          return text !== null || value === null
            ? { ...rest, value: text }
            : { ...rest, valueBase64: value.toString('base64') };
        });
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      if (letters.length === 0) {
        process.stdout.write('documents.dlq is empty\n');
        return;
      }
      for (const l of letters) {
        process.stdout.write(
          `${l.originalTopic}/${l.originalPartition}@${l.originalOffset}  key=${l.key ?? '-'}  ${l.reason} (${l.errorClass}, ${l.attempts} attempt${l.attempts === 1 ? '' : 's'})\n    ${l.message}\n`,
        );
      }
      process.stdout.write(`${letters.length} dead letter(s)\n`);
    }),
  );
}
