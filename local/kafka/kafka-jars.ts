/**
 * The Apache Kafka broker jars, fetched from Maven Central with Maven (`local/kafka/pom.xml`)
 * into the cache and checked against `kafka-jars.sha256`, the list pinned when the pom was last
 * changed. A missing or corrupted jar is reported and fetched again.
 *
 * After changing the pom, refresh the pins from a clean fetch:
 * `cd <cache>/kafka/<version>/libs && sha256sum *.jar > <repo>/local/kafka/kafka-jars.sha256`.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CachePaths } from '../cache-paths.js';
import { REPO_ROOT } from '../cache-paths.js';
import { describeProblem, parseChecksumList, verifyChecksumList } from '../checksum-list.js';
import { CacheIntegrityError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { runCommand } from '../run-command.js';

/** Must match `kafka.version` in `local/kafka/pom.xml`. */
export const KAFKA_VERSION = '4.3.1';

const POM_FILE = join(REPO_ROOT, 'local', 'kafka', 'pom.xml');
const PINNED_CHECKSUMS_FILE = join(REPO_ROOT, 'local', 'kafka', 'kafka-jars.sha256');

/** The folder holding the Kafka jars; `<dir>/*` is the broker's classpath. */
export function kafkaJarDir(paths: CachePaths): string {
  return join(paths.kafkaLibDir, KAFKA_VERSION, 'libs');
}

export async function readPinnedKafkaJars(): Promise<ReadonlyMap<string, string>> {
  return parseChecksumList(await readFile(PINNED_CHECKSUMS_FILE, 'utf8'));
}

export interface EnsureKafkaJarsOptions {
  readonly paths: CachePaths;
  readonly reporter: Reporter;
  /**
   * The `mvn` executable.
   * @default - `MESHRAG_MVN` from the environment, else `mvn`
   */
  readonly mvn?: string;
}

/**
 * Verifies the cached Kafka jars and fetches what is missing or corrupted.
 * @returns the jar directory
 * @throws CacheIntegrityError when a fresh fetch still disagrees with the pinned checksums
 */
export async function ensureKafkaJars(options: EnsureKafkaJarsOptions): Promise<string> {
  const { paths, reporter } = options;
  const dir = kafkaJarDir(paths);
  const pinned = await readPinnedKafkaJars();
  const problems = await verifyChecksumList(dir, pinned);
  if (problems.length === 0) {
    reporter.info(`Kafka ${KAFKA_VERSION}: ${pinned.size} jars verified in ${dir}`);
    return dir;
  }
  if (problems.length === pinned.size && problems.every((p) => p.kind === 'missing')) {
    reporter.info(
      `Kafka ${KAFKA_VERSION}: fetching ${pinned.size} jars from Maven Central into ${dir}`,
    );
  } else {
    for (const problem of problems) {
      reporter.warn(`Kafka jar ${describeProblem(problem)} in ${dir}; fetching it again`);
    }
    // The bad copy may have come from Maven's local repository: drop both so Maven downloads
    // (and checks against Central's checksums) afresh.
    await Promise.all(problems.map((p) => rm(join(dir, p.file), { force: true })));
    await rm(paths.mavenRepoDir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  const mvn = options.mvn ?? process.env.MESHRAG_MVN ?? 'mvn';
  const bar = reporter.progress?.(`Kafka ${KAFKA_VERSION} jars`, pinned.size);
  await runCommand(
    mvn,
    [
      '-B',
      '-C', // fail when a download does not match Central's checksum
      '-Dstyle.color=never',
      '-f',
      POM_FILE,
      `-Dmaven.repo.local=${paths.mavenRepoDir}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${dir}`,
      '-DincludeScope=runtime',
    ],
    {
      purpose: `fetching the Kafka ${KAFKA_VERSION} jars with Maven`,
      onLine: (line) => {
        // One line per Kafka jar; Maven's own plugin downloads are left out.
        const match = /^(?:\[INFO\] )?Downloaded from \S+: (\S+) \(([^)]+?)(?: at [^)]*)?\)/.exec(
          line,
        );
        const jar = match?.[1] ? basename(match[1]) : undefined;
        if (!jar || !pinned.has(jar)) return;
        if (bar) bar.tick(jar);
        else reporter.info(`  maven: ${jar} (${match?.[2]})`);
      },
    },
  ).finally(() => bar?.stop());
  const remaining = await verifyChecksumList(dir, pinned);
  const first = remaining[0];
  if (first) {
    throw new CacheIntegrityError(
      `Kafka jars in ${dir} still fail verification after a fresh fetch: ` +
        `${remaining.map(describeProblem).join('; ')}. local/kafka/pom.xml and ` +
        'local/kafka/kafka-jars.sha256 disagree; refresh the pins as described in kafka-jars.ts',
      join(dir, first.file),
    );
  }
  reporter.info(`Kafka ${KAFKA_VERSION}: ${pinned.size} jars fetched and verified`);
  return dir;
}
