// `pnpm start`: deploy serverless.yml.example to the local runtime and call its HTTP endpoint.
// This is the README's first quick-start command (after install and build).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skyrun = path.join(root, 'packages/cli/bin/run.js');

const deploy = spawnSync(process.execPath, [skyrun, 'deploy', '-c', 'serverless.yml.example', '--json'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
if (deploy.status !== 0) {
  process.stdout.write(deploy.stdout);
  process.exit(deploy.status ?? 1);
}
const result = JSON.parse(deploy.stdout);
console.log(`Deployed ${result.service} (stage ${result.stage}) to the local runtime.`);
for (const endpoint of result.endpoints) console.log(`  ${endpoint.method.padEnd(6)} ${endpoint.url}`);

const endpoint = result.endpoints.find((e) => e.method === 'GET' && !e.url.includes('{')) ?? result.endpoints[0];
if (!endpoint) {
  console.log('The example service has no HTTP endpoint.');
  process.exit(1);
}
const response = await fetch(endpoint.url);
console.log(`\nGET ${endpoint.url} → ${response.status}\n${await response.text()}`);
console.log(
  '\nNext: `node packages/cli/bin/run.js invoke -c serverless.yml.example -f hello`, `... logs -f hello`, `... info`.',
);
console.log(
  'The local runtime keeps running in the background; stop it with `node packages/cli/bin/run.js local stop`.',
);
process.exit(response.ok ? 0 : 1);
