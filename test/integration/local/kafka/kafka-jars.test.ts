/** A damaged Kafka jar in the cache is found and fetched again from Maven Central. */
import { cp, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { resolveCachePaths } from '../../../../local/cache-paths.js';
import { verifyChecksumList } from '../../../../local/checksum-list.js';
import {
  ensureKafkaJars,
  kafkaJarDir,
  readPinnedKafkaJars,
} from '../../../../local/kafka/kafka-jars.js';
import { memoryReporter } from '../../../../local/reporter.js';

describe('ensureKafkaJars', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  it('detects a corrupted and a missing jar and re-fetches them with a clear message', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'meshrag-jars-'));
    temps.push(cacheDir);
    const shared = resolveCachePaths({ cacheDir: inject('cacheDir') });
    const paths = resolveCachePaths({ cacheDir });
    await cp(kafkaJarDir(shared), kafkaJarDir(paths), { recursive: true });
    await writeFile(join(kafkaJarDir(paths), 're2j-1.8.jar'), 'not a jar');
    await truncate(join(kafkaJarDir(paths), 'kafka-clients-4.3.1.jar'), 0);
    await rm(join(kafkaJarDir(paths), 'log4j-core-2.25.2.jar'));

    const reporter = memoryReporter();
    await ensureKafkaJars({ paths, reporter });
    const output = reporter.lines.join('\n');
    expect(output).toMatch(
      /Kafka jar re2j-1\.8\.jar is corrupted \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\)/,
    );
    expect(output).toContain('Kafka jar kafka-clients-4.3.1.jar is corrupted');
    expect(output).toContain('Kafka jar log4j-core-2.25.2.jar is missing');
    expect(output).toContain('fetching it again');
    expect(output).toContain('46 jars fetched and verified');
    expect(await verifyChecksumList(kafkaJarDir(paths), await readPinnedKafkaJars())).toEqual([]);

    const quiet = memoryReporter();
    await ensureKafkaJars({ paths, reporter: quiet });
    expect(quiet.lines).toEqual([expect.stringMatching(/46 jars verified/)]);
  });
});
