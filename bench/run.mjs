// `pnpm bench`: every benchmark script under bench/, one after the other.
// Pass names to run a subset: `pnpm bench cli-startup local`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

const all = ['cli-startup', 'package', 'local', 'deploy'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
let failed = 0;
for (const name of wanted) {
  const script = path.join(ROOT, 'bench', `${name}.mjs`);
  if (!existsSync(script)) {
    console.log(`\n== ${name}: no such benchmark (bench/${name}.mjs)`);
    failed++;
    continue;
  }
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
