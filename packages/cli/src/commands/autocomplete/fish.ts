import { StandaloneCommand } from '../../base-command.js';
import { fishCompletionScript } from '../../output/fish-completion.js';

export default class AutocompleteFish extends StandaloneCommand {
  static override summary = 'Print the fish shell completion script.';
  static override description =
    'bash, zsh and PowerShell completion come from `skyrun autocomplete SHELL`; fish from this command.';
  static override examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/skyrun.fish'];

  async run(): Promise<void> {
    await this.parse(AutocompleteFish);
    const commands = this.config.commands
      .filter((command) => !command.hidden)
      .map((command) => ({
        path: command.id.split(':').join(' '),
        summary: command.summary ?? command.description?.split('\n')[0],
        flags: Object.entries(command.flags ?? {})
          .filter(([, flag]) => !flag.hidden)
          .map(([name, flag]) => ({
            name,
            char: flag.char,
            description: flag.summary ?? flag.description,
            takesValue: flag.type === 'option',
            options: flag.type === 'option' ? flag.options : undefined,
          })),
      }));
    process.stdout.write(fishCompletionScript(this.config.bin, commands));
  }
}
