import { describe, expect, it } from 'vitest';
import { printConfiguration } from '../../src/print/index.js';

const config = {
  service: 'a',
  provider: { name: 'local', environment: { KEY: 'secret', PLAIN: 'x' } },
  plugins: ['p1', 'p2'],
};

describe('printConfiguration', () => {
  it('prints YAML like v3 (js-yaml dump), JSON, and text for scalars and lists', () => {
    expect(printConfiguration({ config, format: 'yaml' })).toBe(
      'service: a\nprovider:\n  name: local\n  environment:\n    KEY: secret\n    PLAIN: x\nplugins:\n  - p1\n  - p2\n',
    );
    expect(JSON.parse(printConfiguration({ config, format: 'json', path: 'provider' }))).toEqual(config.provider);
    expect(printConfiguration({ config, format: 'text', path: 'provider.name' })).toBe('local');
    expect(printConfiguration({ config, format: 'text', path: 'plugins' })).toBe('p1\np2');
    expect(() => printConfiguration({ config, format: 'text', path: 'provider' })).toThrow(
      /Cannot print an object as text/,
    );
    expect(() => printConfiguration({ config, format: 'yaml', path: 'provider.nope' })).toThrow(/no "nope"/);
  });

  it('conceals the given paths without touching the input', () => {
    const out = printConfiguration({ config, format: 'json', conceal: [['provider', 'environment', 'KEY']] });
    expect(JSON.parse(out).provider.environment).toEqual({ KEY: '********', PLAIN: 'x' });
    expect(config.provider.environment.KEY).toBe('secret');
  });
});
