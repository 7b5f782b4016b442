import { describe, expect, it } from 'vitest';
import { parseString, VariableSyntaxError } from './parse.js';

describe('parseString', () => {
  it('returns null for plain text and CloudFormation references', () => {
    expect(parseString('hello')).toBeNull();
    expect(parseString('${AWS::Region}')).toBeNull();
    expect(parseString('arn:${AWS::Partition}:s3:::${Bucket}')).toBeNull();
    expect(parseString('${foo}')).toBeNull();
    expect(parseString('${foo.bar}')).toBeNull();
    expect(parseString('costs $5')).toBeNull();
  });

  it('parses a whole variable with fallbacks of every literal kind', () => {
    const parsed = parseString(`\${env:A, self:b, 'single', "double \\"q\\"", 42, true, false, null}`);
    expect(parsed).toEqual({
      parts: [
        {
          text: `\${env:A, self:b, 'single', "double \\"q\\"", 42, true, false, null}`,
          sources: [
            { kind: 'source', type: 'env', address: { literal: 'A' }, params: undefined },
            { kind: 'source', type: 'self', address: { literal: 'b' }, params: undefined },
            { kind: 'literal', value: 'single' },
            { kind: 'literal', value: 'double "q"' },
            { kind: 'literal', value: 42 },
            { kind: 'literal', value: true },
            { kind: 'literal', value: false },
            { kind: 'literal', value: null },
          ],
        },
      ],
    });
  });

  it('parses params, nested addresses and interpolation', () => {
    const parsed = parseString('pre-${file(./a.${opt:stage}.yml):x.${sls:stage}}-post');
    expect(parsed && 'parts' in parsed).toBe(true);
    const parts = (parsed as { parts: unknown[] }).parts;
    expect(parts[0]).toBe('pre-');
    expect(parts[2]).toBe('-post');
    const variable = parts[1] as { sources: { type: string; params: unknown[]; address: { parts: unknown[] } }[] };
    expect(variable.sources[0].type).toBe('file');
    expect(variable.sources[0].params[0]).toMatchObject({ parts: ['./a.', { text: '${opt:stage}' }, '.yml'] });
    expect(variable.sources[0].address.parts).toMatchObject(['x.', { text: '${sls:stage}' }]);
  });

  it('unescapes \\${ into a literal ${', () => {
    expect(parseString('\\${self:x}')).toEqual({ static: '${self:x}' });
    expect(parseString('a \\${x} and ${self:y}')).toMatchObject({ parts: ['a ${x} and ', { text: '${self:y}' }] });
    expect(parseString('C:\\dir\\$x')).toEqual({ static: 'C:\\dir$x' });
  });

  it('reads param literals as numbers and booleans, other text as text', () => {
    expect(parseString('${strToBool(1)}')).toMatchObject({ parts: [{ sources: [{ params: [{ literal: 1 }] }] }] });
    expect(parseString('${strToBool(true)}')).toMatchObject({
      parts: [{ sources: [{ params: [{ literal: true }] }] }],
    });
    expect(parseString('${file(./x.yml)}')).toMatchObject({
      parts: [{ sources: [{ params: [{ literal: './x.yml' }] }] }],
    });
  });

  it.each([
    ['${self:x', 'UNTERMINATED_VARIABLE'],
    ['${self:x, ', 'UNTERMINATED_VARIABLE'],
    ['${self:x, bogus}', 'INVALID_VARIABLE_LITERAL_SOURCE'],
    ['${self:a:b}', 'INVALID_VARIABLE_ADDRESS'],
    ['${self:${Foo}}', 'INVALID_VARIABLE_TYPE'],
  ])('rejects %s', (input, code) => {
    let error: unknown;
    try {
      parseString(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VariableSyntaxError);
    expect((error as VariableSyntaxError).code).toBe(code);
  });

  it('rejects address nesting deeper than 10 levels', () => {
    const nest = (n: number): string => (n === 0 ? 'x' : `\${self:${nest(n - 1)}}`);
    expect(() => parseString(nest(11))).not.toThrow();
    expect(() => parseString(nest(12))).toThrow(/nested deeper than 10/);
  });
});
