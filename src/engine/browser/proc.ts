// The browser's processes as Linux shows them in /proc: the pool kills what a hung close() left
// behind, and the browser bench sums the memory of the whole tree (Chromium's renderers included).
import { readdir, readFile } from 'node:fs/promises';

interface ProcInfo {
  pid: number;
  ppid: number;
  rssBytes: number;
  cmdline: string;
}

async function readProc(pid: number): Promise<ProcInfo | null> {
  try {
    const [stat, status, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // the command name in parentheses may itself hold spaces and parentheses: read after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return { pid, ppid, rssBytes: rss ? Number(rss[1]) * 1024 : 0, cmdline: cmdline.replace(/\0/g, ' ') };
  } catch (err) {
    // the process ended between the directory listing and the read: it is simply not there
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw err;
  }
}

export async function listProcesses(): Promise<ProcInfo[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch (err) {
    // not Linux (or no /proc): nothing to measure or kill this way
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readProc(Number(n))));
  return out.filter((p): p is ProcInfo => p !== null);
}

/** `root` and every process below it. */
export async function processTree(root: number): Promise<ProcInfo[]> {
  const all = await listProcesses();
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcInfo[] = [];
  const self = all.find((p) => p.pid === root);
  const stack = self ? [self] : [];
  while (stack.length > 0) {
    const p = stack.pop() as ProcInfo;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** Resident memory of `root` (this process by default) and all its descendants, in bytes. */
export async function treeRss(root = process.pid): Promise<number> {
  let sum = 0;
  for (const p of await processTree(root)) sum += p.rssBytes;
  return sum;
}

/** Pids whose command line holds `marker`, with their descendants. */
export async function markedTrees(marker: string): Promise<number[]> {
  const roots = (await listProcesses()).filter((p) => p.cmdline.includes(marker));
  const pids = new Set<number>();
  for (const r of roots) for (const p of await processTree(r.pid)) pids.add(p.pid);
  return [...pids];
}
