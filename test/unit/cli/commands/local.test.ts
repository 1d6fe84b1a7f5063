import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatStatusTable, registerLocalCommand } from '../../../../cli/commands/local.js';

function program(): Command {
  const root = new Command().name('meshrag').exitOverride();
  registerLocalCommand(root);
  return root;
}

function helpOf(args: string[]): string {
  let out = '';
  const root = program();
  root.configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (out += text) });
  for (const command of root.commands) {
    command.exitOverride().configureOutput({ writeOut: (text) => (out += text) });
    for (const sub of command.commands)
      sub.exitOverride().configureOutput({ writeOut: (text) => (out += text) });
  }
  try {
    root.parse(['node', 'meshrag', ...args, '--help']);
  } catch {
    // exitOverride throws after printing help
  }
  return out;
}

describe('meshrag local', () => {
  it.each(['fetch', 'up', 'down', 'status'])('has --help on %s', (name) => {
    const help = helpOf(['local', name]);
    expect(help).toContain(`Usage: meshrag local ${name}`);
    expect(help).toContain('--cache-dir <dir>');
  });

  it('documents the up flags with their defaults', () => {
    const help = helpOf(['local', 'up']);
    expect(help).toContain('--brokers <n>');
    expect(help).toMatch(/--kafka-port <port>[\s\S]*default: 19092/);
    expect(help).toMatch(/--chroma-port <port>[\s\S]*default: 18000/);
  });

  it('fails when --brokers is not an integer from 1 to 9', () => {
    const root = program();
    let err = '';
    root.configureOutput({ writeErr: (text) => (err += text) });
    for (const command of root.commands) {
      command.exitOverride();
      for (const sub of command.commands)
        sub.exitOverride().configureOutput({ writeErr: (text) => (err += text) });
    }
    expect(() => root.parse(['node', 'meshrag', 'local', 'up', '--brokers', '12'])).toThrow();
    expect(err).toContain('expected an integer from 1 to 9, got "12"');
  });

  it('prints a status table with one row per service', () => {
    const table = formatStatusTable([
      {
        name: 'kafka-0',
        pid: 42,
        state: 'running',
        healthy: true,
        detail: '1/1 brokers',
        endpoint: '127.0.0.1:19092',
        ports: { kafka: 19092 },
        logFile: '/var/run/kafka-0.log',
        startedAt: '2026-11-23T00:00:00.000Z',
      },
      {
        name: 'chroma',
        pid: 43,
        state: 'exited',
        healthy: false,
        detail: 'process is not running',
        endpoint: 'http://127.0.0.1:18000',
        ports: { http: 18000 },
        logFile: '/var/run/chroma.console.log',
        startedAt: '2026-11-23T00:00:00.000Z',
      },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+PID\s+STATE\s+HEALTH\s+ENDPOINT\s+LOG$/);
    expect(lines[1]).toMatch(
      /^kafka-0\s+42\s+running\s+healthy\s+127\.0\.0\.1:19092\s+\/var\/run\/kafka-0\.log$/,
    );
    expect(lines[2]).toContain('unhealthy (process is not running)');
  });
});
