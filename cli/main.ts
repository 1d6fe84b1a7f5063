/**
 * The `meshrag` command line: one program for the local pipeline, offline renders and checks.
 * Each subcommand lives in `cli/commands/<name>.ts` and registers itself on the root program.
 */
import { Command } from 'commander';
import { registerDiffCommand } from './commands/diff.js';
import { registerDlqCommand } from './commands/dlq.js';
import { registerGraphCommand } from './commands/graph.js';
import { registerIngestCommand } from './commands/ingest.js';
import { registerLocalCommand } from './commands/local.js';
import { registerPolicyCommand } from './commands/policy.js';
import { registerQueryCommand } from './commands/query.js';
import { registerRenderCommand } from './commands/render.js';
import { registerStatsCommand } from './commands/stats.js';

const program = new Command()
  .name('meshrag')
  .description('A zero-trust, real-time RAG ingestion stack on Kubernetes, and its local twin')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerDiffCommand(program);
registerDlqCommand(program);
registerGraphCommand(program);
registerIngestCommand(program);
registerLocalCommand(program);
registerPolicyCommand(program);
registerQueryCommand(program);
registerRenderCommand(program);
registerStatsCommand(program);

await program.parseAsync(process.argv);
