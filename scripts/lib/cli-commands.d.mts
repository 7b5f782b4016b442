/** A command as oclif loads it (`Command.Loadable`), id with spaces. */
export interface LoadedCommand {
  readonly id: string;
  readonly summary?: string;
  readonly description?: string;
  readonly examples?: readonly (string | { description: string; command: string })[];
  readonly flags: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly args: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly aliases?: readonly string[];
  readonly pluginName?: string;
  readonly [key: string]: unknown;
}

export const CLI_ROOT: string;
export function loadCliCommands(root?: string): Promise<LoadedCommand[]>;
export function cliSurface(commands: readonly LoadedCommand[]): Record<string, unknown>;
