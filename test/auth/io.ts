// An in-memory CliIo for the authenticated-scan tests: what `wsc scan` writes, kept as text.
import type { CliIo } from '../../src/cli/context.js';

export function memoryIo(env: NodeJS.ProcessEnv = {}): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (c: string | Uint8Array) => (out += String(c)) },
    stderr: { write: (c: string | Uint8Array) => (err += String(c)) },
    env,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}
