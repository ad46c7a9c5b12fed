// Runs wsc commands in-process with captured output, and spawns the real bin for end-to-end tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registerAssetsCommand } from '../../src/cli/commands/assets.js';
import { registerJobsCommand } from '../../src/cli/commands/jobs.js';
import { registerKeysCommand } from '../../src/cli/commands/keys.js';
import type { CliIo } from '../../src/cli/context.js';
import { runWith } from '../../src/cli/program.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { write(chunk: string | Uint8Array): boolean; text(): string } {
  const parts: Buffer[] = [];
  return {
    write(chunk) {
      parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
      return true;
    },
    text: () => Buffer.concat(parts).toString('utf8'),
  };
}

export async function runWsc(args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal = new AbortController().signal): Promise<RunResult> {
  const stdout = collector();
  const stderr = collector();
  const io: CliIo = { stdout, stderr, env, signal };
  const code = await runWith([registerJobsCommand, registerKeysCommand, registerAssetsCommand], args, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export function tempDir(prefix = 'wsc-cli-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'src/cli/main.ts');

/** Spawns `node --import tsx src/cli/main.ts ...` with exactly `env` (plus PATH). */
export function spawnWsc(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, WSC_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}
