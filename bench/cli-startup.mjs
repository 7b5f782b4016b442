// Start-up budgets (issue 2): `skyrun --version` within 3x of a bare `node -e 0`,
// `skyrun print` on serverless.yml.example within 5x. Run after `pnpm build`.
import path from 'node:path';
import { ROOT, SKYRUN, interleave, ratioLine, timeCommand } from './lib.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const example = path.join(ROOT, 'serverless.yml.example');
const node = process.execPath;

const results = interleave(
  {
    'node -e 0': () => timeCommand(node, ['-e', '0']),
    'skyrun --version': () => timeCommand(node, [SKYRUN, '--version']),
    'skyrun print (example)': () => timeCommand(node, [SKYRUN, 'print', '-c', example], { cwd: ROOT }),
  },
  rounds,
);

const reference = results['node -e 0'];
console.log(`cli-startup: median of ${rounds} interleaved runs`);
console.log(ratioLine('node -e 0 (reference)', reference, reference));
console.log(ratioLine('skyrun --version', results['skyrun --version'], reference, 3));
console.log(ratioLine('skyrun print (example)', results['skyrun print (example)'], reference, 5));
