import { defineConfig } from 'vitest/config';

// `meshrag/*` imports (examples/) resolve to the TypeScript sources, as in tsconfig.json.
const resolve = { conditions: ['meshrag-source'] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions: ['meshrag-source'] } },
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['meshrag-source'] } },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One set of real services is shared by every integration file; run files one at a
          // time so they do not fight over two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
