/**
 * The variable grammar of the Serverless Framework v3:
 *
 *   ${type:address}  ${type(param, ...):address}  ${type:a, type:b, 'literal', "dq", 42, true, null}
 *
 * Variables nest in addresses and params (`${self:custom.${sls:stage}}`), may be part of a longer
 * string, and `\${...}` escapes one. A `${` that does not start a variable (`${AWS::Region}`,
 * `${Foo}`, `${foo}`: CloudFormation `Fn::Sub` references) is ordinary text.
 */

/** A fallback given as a literal: `'text'`, `"text"`, `42`, `true`, `false`, `null`. */
export interface LiteralSource {
  readonly kind: 'literal';
  readonly value: unknown;
}

/** `type(params):address`. */
export interface TypedSource {
  readonly kind: 'source';
  readonly type: string;
  readonly params?: readonly Template[];
  readonly address?: Template;
}

export type SourceNode = LiteralSource | TypedSource;

export interface VariableNode {
  /** The first source and its fallbacks, in order. */
  readonly sources: readonly SourceNode[];
  /** The variable as written, for messages. */
  readonly text: string;
}

/** Literal text segments (escapes already removed) and variables. */
export type Part = string | VariableNode;

/** An address or param: a literal value, or text that contains variables. */
export type Template = { readonly literal: unknown } | { readonly parts: readonly Part[] };

export type ParsedString =
  /** A string with at least one variable. */
  | { readonly parts: readonly Part[] }
  /** A string without variables whose escapes changed it. */
  | { readonly static: string };

export const MAX_NESTING = 10;

export class VariableSyntaxError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'VariableSyntaxError';
  }
}

const TYPE_START = /[a-z]/;
const TOKEN_CHAR = /[a-zA-Z0-9.]/;
const TYPE_NAME = /^[a-z][a-zA-Z0-9]*$/;

/** True when `value` is a whole variable: one part, a variable, no text around it. */
export function isWholeVariable(parts: readonly Part[]): parts is readonly [VariableNode] {
  return parts.length === 1 && typeof parts[0] !== 'string';
}

/**
 * Parse a configuration string. `null` when it holds no variable and no escape (use it as is).
 * Throws a `VariableSyntaxError` for malformed variables (unterminated `${`, bad source...).
 */
export function parseString(input: string): ParsedString | null {
  if (!input.includes('$')) return null;
  const parser = new Parser(input);
  const parts = parser.parseTop();
  if (!parts.some((part) => typeof part !== 'string')) {
    const text = parts.join('');
    return text === input ? null : { static: text };
  }
  return { parts };
}

class Parser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parseTop(): Part[] {
    const parts: Part[] = [];
    let text = '';
    const { input } = this;
    while (this.pos < input.length) {
      const char = input[this.pos];
      if (char === '\\') {
        const next = input[this.pos + 1];
        if (next === '$') {
          text += '$';
          this.pos += 2;
          continue;
        }
        if (next === '\\' && input.startsWith('${', this.pos + 2)) {
          text += '\\';
          this.pos += 2;
          continue;
        }
        text += char;
        this.pos += 1;
        continue;
      }
      if (char === '$' && input[this.pos + 1] === '{' && this.startsVariable(this.pos)) {
        if (text) parts.push(text);
        text = '';
        parts.push(this.parseVariable(0));
        continue;
      }
      text += char;
      this.pos += 1;
    }
    if (text) parts.push(text);
    return parts;
  }

  /**
   * Whether the `${` at `start` opens a variable: a lower-case type followed by `:` (not `::`)
   * or `(`. Anything else (`${AWS::Region}`, `${Foo}`, `${foo}`) is foreign text.
   */
  private startsVariable(start: number): boolean {
    const { input } = this;
    let i = start + 2;
    if (!TYPE_START.test(input[i] ?? '')) return false;
    while (i < input.length && TOKEN_CHAR.test(input[i])) i++;
    const next = input[i];
    if (next === '(') return true;
    if (next === ':') return input[i + 1] !== ':';
    return false;
  }

  private fail(message: string, code: string): never {
    throw new VariableSyntaxError(`${message} in "${this.input}"`, code);
  }

  private skipSpaces(): void {
    while (this.input[this.pos] === ' ') this.pos++;
  }

  /** At `${`; consumes through the closing `}`. */
  private parseVariable(depth: number): VariableNode {
    if (depth > MAX_NESTING) {
      this.fail(`Variables nested deeper than ${MAX_NESTING} levels at index ${this.pos}`, 'VARIABLE_NESTING_TOO_DEEP');
    }
    const start = this.pos;
    this.pos += 2;
    const sources: SourceNode[] = [];
    for (;;) {
      this.skipSpaces();
      sources.push(this.parseSource(sources.length === 0, depth));
      this.skipSpaces();
      const char = this.input[this.pos];
      if (char === '}') {
        this.pos += 1;
        return { sources, text: this.input.slice(start, this.pos) };
      }
      if (char === ',') {
        this.pos += 1;
        continue;
      }
      if (char === undefined)
        this.fail(`Missing variable closing bracket for the variable at index ${start}`, 'UNTERMINATED_VARIABLE');
      this.fail(`Invalid variable source at index ${this.pos}`, 'INVALID_VARIABLE_SOURCE');
    }
  }

  private parseSource(first: boolean, depth: number): SourceNode {
    const { input } = this;
    const start = this.pos;
    const char = input[start];
    if (char === undefined) this.fail(`Missing variable closing bracket`, 'UNTERMINATED_VARIABLE');
    if (char === '"' || char === "'") {
      if (first) this.fail(`Invalid variable type at index ${start}`, 'INVALID_VARIABLE_TYPE');
      return { kind: 'literal', value: this.parseQuoted() };
    }
    while (this.pos < input.length && TOKEN_CHAR.test(input[this.pos])) this.pos++;
    const token = input.slice(start, this.pos);
    if (!token) this.fail(`Invalid variable source at index ${start}`, 'INVALID_VARIABLE_SOURCE');
    this.skipSpaces();
    const next = input[this.pos];
    if (next === ':' || next === '(') {
      if (!TYPE_NAME.test(token))
        this.fail(`Invalid variable source "${token}" at index ${start}`, 'INVALID_VARIABLE_SOURCE');
      let params: Template[] | undefined;
      if (next === '(') {
        this.pos += 1;
        params = this.parseParams(depth);
        this.skipSpaces();
      }
      let address: Template | undefined;
      if (input[this.pos] === ':') {
        this.pos += 1;
        address = this.parseAddress(depth);
      }
      return { kind: 'source', type: token, params, address };
    }
    if (first) this.fail(`Invalid variable type at index ${start}`, 'INVALID_VARIABLE_TYPE');
    return {
      kind: 'literal',
      value: parseLiteral(token, false, () =>
        this.fail(`Invalid literal source "${token}" at index ${start}`, 'INVALID_VARIABLE_LITERAL_SOURCE'),
      ),
    };
  }

  private parseQuoted(): string {
    const { input } = this;
    const quote = input[this.pos];
    const start = this.pos;
    this.pos += 1;
    while (this.pos < input.length && input[this.pos] !== quote) {
      if (quote === '"' && input[this.pos] === '\\') this.pos += 1;
      this.pos += 1;
    }
    if (this.pos >= input.length) this.fail(`Unterminated string literal at index ${start}`, 'UNTERMINATED_VARIABLE');
    this.pos += 1;
    const raw = input.slice(start, this.pos);
    if (quote === "'") return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch (error) {
      return this.fail(
        `Invalid string literal at index ${start}: ${(error as Error).message}`,
        'INVALID_VARIABLE_STRING_LITERAL',
      );
    }
  }

  /** After `(`; consumes through `)`. */
  private parseParams(depth: number): Template[] {
    const params: Template[] = [];
    for (;;) {
      this.skipSpaces();
      const char = this.input[this.pos];
      if (char === ')') {
        this.pos += 1;
        return params;
      }
      if (char === ',') {
        params.push({ literal: null });
        this.pos += 1;
        continue;
      }
      if (char === '"' || char === "'") {
        params.push({ literal: this.parseQuoted() });
      } else {
        const parts = this.parseTemplateText(depth, ',)', 'INVALID_VARIABLE_PARAM');
        params.push(toTemplate(parts, true));
      }
      this.skipSpaces();
      const after = this.input[this.pos];
      if (after === ',') {
        this.pos += 1;
        continue;
      }
      if (after === ')') continue;
      if (after === undefined) this.fail('Missing variable closing bracket', 'UNTERMINATED_VARIABLE');
      this.fail(`Invalid variable param at index ${this.pos}`, 'INVALID_VARIABLE_PARAM');
    }
  }

  /** After `:`; stops before the `,` or `}` that ends the address. */
  private parseAddress(depth: number): Template | undefined {
    this.skipSpaces();
    const char = this.input[this.pos];
    if (char === '}' || char === ',') return undefined;
    if (char === '"' || char === "'") return { literal: this.parseQuoted() };
    const parts = this.parseTemplateText(depth, ',}', 'INVALID_VARIABLE_ADDRESS');
    return toTemplate(parts, false);
  }

  /** Text with nested variables up to (not including) one of `stops`. */
  private parseTemplateText(depth: number, stops: string, code: string): Part[] {
    const { input } = this;
    const parts: Part[] = [];
    let text = '';
    for (;;) {
      const char = input[this.pos];
      if (char === undefined) this.fail('Missing variable closing bracket', 'UNTERMINATED_VARIABLE');
      if (stops.includes(char)) break;
      if (char === '$' && input[this.pos + 1] === '{') {
        if (!this.startsVariable(this.pos))
          this.fail(`Invalid variable type at index ${this.pos + 2}`, 'INVALID_VARIABLE_TYPE');
        if (text) parts.push(text);
        text = '';
        parts.push(this.parseVariable(depth + 1));
        continue;
      }
      if (char === '}' || (char === ':' && code === 'INVALID_VARIABLE_ADDRESS')) {
        this.fail(
          `Invalid variable ${code === 'INVALID_VARIABLE_PARAM' ? 'param' : 'address'} at index ${this.pos}`,
          code,
        );
      }
      text += char;
      this.pos += 1;
    }
    const trimmedEnd = text.trimEnd();
    if (trimmedEnd) parts.push(trimmedEnd);
    return parts;
  }
}

function toTemplate(parts: Part[], isParam: boolean): Template {
  if (parts.some((part) => typeof part !== 'string')) return { parts };
  const text = parts.join('');
  return { literal: isParam ? parseLiteral(text, true, () => text) : text };
}

/** `true`, `false`, `null` and numbers; other text is an error (or itself, for params). */
function parseLiteral(token: string, fallbackToText: boolean, onInvalid: () => unknown): unknown {
  switch (token) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    default: {
      const number = Number(token);
      if (token !== '' && !Number.isNaN(number)) return number;
      return fallbackToText ? token : onInvalid();
    }
  }
}
