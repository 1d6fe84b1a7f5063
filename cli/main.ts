/**
 * The `meshrag` command line: one program for the local pipeline, offline renders and checks.
 * Each subcommand lives in `cli/commands/<name>.ts` and registers itself on the root program.
 */
import { Command } from 'commander';
import { registerGraphCommand } from './commands/graph.js';
import { registerLocalCommand } from './commands/local.js';
import { registerRenderCommand } from './commands/render.js';

const program = new Command()
  .name('meshrag')
  .description('A zero-trust, real-time RAG ingestion stack on Kubernetes, and its local twin')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerGraphCommand(program);
registerLocalCommand(program);
registerRenderCommand(program);

await program.parseAsync(process.argv);
