import { Help } from '@oclif/core';
import { EXIT_CODES } from '@skyrun/core/errors/index';

const EXIT_CODE_TEXT: Record<keyof typeof EXIT_CODES, string> = {
  internal: 'unexpected internal failure (run with --debug and report it)',
  usage: 'bad command line: unknown flag, missing or wrong argument',
  config: 'the service file is wrong: not found, unparsable, unresolved variable, invalid',
  packaging: 'packaging failed: empty selection, bundling error, missing handler export',
  provider: 'the provider failed: deploy, remove, info, invoke or logs did not complete',
  invocation: 'the invoked function returned an error',
  interrupted: 'interrupted (Ctrl-C)',
};

/** oclif's help plus the exit codes scripts may rely on. */
export default class SkyrunHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const codes = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[])
      .map((name) => `${String(EXIT_CODES[name]).padStart(3)}  ${EXIT_CODE_TEXT[name]}`)
      .join('\n');
    this.log(`\n${this.section('EXIT CODES', `  0  success\n${codes}`)}`);
  }
}
