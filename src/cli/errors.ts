// Exit-code carrying errors for the CLI: usage problems exit 2, everything else that fails exits 1.

/** Bad flags or arguments, missing configuration: the user must change the command line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Ends the command with this code after it has already printed what it had to say. */
export class CliExit extends Error {
  override readonly name = 'CliExit';
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}
