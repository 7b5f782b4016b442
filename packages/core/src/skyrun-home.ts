import { homedir } from 'node:os';
import path from 'node:path';

/** Where skyrun keeps its data: `$SKYRUN_HOME`, default `~/.skyrun`. Always absolute. */
export function skyrunHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SKYRUN_HOME ?? path.join(homedir(), '.skyrun'));
}

/** A cache folder under the skyrun home: `$SKYRUN_HOME/cache/<name>`. Safe to delete. */
export function skyrunCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skyrunHome(env), 'cache', name);
}
