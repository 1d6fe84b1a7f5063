import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { findModelDir } from '../../../helpers/model-dir.js';

/** Starts `main.ts` as the pipeline does and resolves with its URL once it has loaded the model. */
async function spawnEmbedder(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/embedder/src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const log = JSON.parse(line) as { msg: string };
    url ??= /Server listening at (\S+)/.exec(log.msg)?.[1];
    if (log.msg === 'model loaded' && url) return { child, url };
  }
  throw new Error('the embedder exited before loading the model');
}

describe('main (the embedder process)', () => {
  it('finishes queued requests on SIGTERM, then exits 0', { timeout: 30_000 }, async () => {
    const { child, url } = await spawnEmbedder({
      MESHRAG_EMBEDDER_MODEL_DIR: findModelDir(),
      MESHRAG_EMBEDDER_PORT: '0',
      MESHRAG_EMBEDDER_MAX_BATCH_REQUESTS: '8',
    });
    const inputs = Array.from(
      { length: 32 },
      (_, i) => `sentence ${i} about graceful shutdown of services`,
    );
    const inFlight = Array.from({ length: 3 }, () =>
      request(`${url}/embed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs }),
      }),
    );
    // SIGTERM once all three are tokenized and queued (12 model runs of 8 still to go).
    await expect
      .poll(
        async () => {
          const metrics = await (await request(`${url}/metrics`)).body.text();
          return /meshrag_embed_tokenization_seconds_count (\d+)/.exec(metrics)?.[1];
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBe('3');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const response of responses) expect(await response.body.json()).toHaveLength(32);
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('fails fast with exit code 2 and the variable name when the configuration is invalid', {
    timeout: 30_000,
  }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/embedder/src/main.ts'], {
      env: {
        ...process.env,
        MESHRAG_EMBEDDER_MODEL_DIR: '/x',
        MESHRAG_EMBEDDER_MAX_BATCH_TOKENS: 'lots',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('MESHRAG_EMBEDDER_MAX_BATCH_TOKENS');
  });
});
