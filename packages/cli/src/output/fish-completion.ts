/** What a fish completion script needs to know of one command. */
export interface CompletionCommand {
  /** Space-separated command path: `deploy function`. */
  readonly path: string;
  readonly summary?: string;
  readonly flags: readonly {
    readonly name: string;
    readonly char?: string;
    readonly description?: string;
    readonly takesValue: boolean;
    readonly options?: readonly string[];
  }[];
}

const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A fish completion script for `bin`: command paths word by word, then each command's flags.
 * The oclif autocomplete plugin serves bash, zsh and PowerShell only; fish is written here.
 */
export function fishCompletionScript(bin: string, commands: readonly CompletionCommand[]): string {
  const fn = `__${bin.replace(/[^a-zA-Z0-9]/g, '_')}_command_is`;
  const lines = [
    `# fish completion for ${bin}. Install: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish`,
    `function ${fn} --description 'true when the words typed after ${bin} (before any flag) are exactly the arguments'`,
    '    set -l words',
    '    for word in (commandline -opc)[2..-1]',
    "        string match -q -- '-*' $word; and break",
    '        set -a words $word',
    '    end',
    '    test "$words" = "$argv"',
    'end',
    `complete -c ${bin} -f`,
  ];
  const seen = new Set<string>();
  for (const command of [...commands].sort((a, b) => a.path.localeCompare(b.path))) {
    const words = command.path.split(' ');
    for (let i = 0; i < words.length; i++) {
      const parent = words.slice(0, i).join(' ');
      const key = `${parent}>${words[i]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const isLeaf = i === words.length - 1;
      const description = isLeaf && command.summary ? ` -d ${quote(command.summary)}` : '';
      lines.push(
        `complete -c ${bin} -n ${quote(`${fn}${parent ? ` ${parent}` : ''}`)} -a ${quote(words[i]!)}${description}`,
      );
    }
    for (const flag of command.flags) {
      const parts = [`complete -c ${bin} -n ${quote(`${fn} ${command.path}`)} -l ${flag.name}`];
      if (flag.char) parts.push(`-s ${flag.char}`);
      if (flag.takesValue) parts.push(flag.options?.length ? `-x -a ${quote(flag.options.join(' '))}` : '-r');
      if (flag.description) parts.push(`-d ${quote(flag.description.split('\n')[0]!)}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}
