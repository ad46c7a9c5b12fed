// tsc compiles .ts only; copy the non-TypeScript files the program reads at run time into dist/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.(html|css|js|svg|json|ya?ml|txt)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (ASSET.test(name)) cpSync(p, join('dist', relative('src', p)));
  }
}
walk('src');
