import type { PropertyPath } from '../../config/index.js';

/** A resolved configuration property with what `print --conceal` must mask in it. */
export interface PropertyValue {
  readonly value: unknown;
  /** The value as a whole came from a concealed source. */
  readonly concealed: boolean;
  /** Concealed parts of it, relative to it. */
  readonly concealedParts: readonly PropertyPath[];
}

/** What a core source gets for one `${type(params):address}`. */
export interface CoreSourceRequest {
  readonly address: string | undefined;
  readonly params: readonly unknown[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly serviceDir: string;
  readonly instanceId: string;
  /** The stage (resolving `provider.stage` while the stage is being determined). */
  stage(): Promise<string>;
  /** Another property of the configuration, fully resolved; `undefined` when absent. */
  resolveProperty(propertyPath: PropertyPath): Promise<PropertyValue>;
  /** A variable expression without `${}`, e.g. `self:provider.stage, 'dev'`. */
  resolveVariable(expression: string): Promise<unknown>;
  /** Throw a located configuration error about this variable. */
  fail(code: string, detail: string, hint: string, cause?: unknown): never;
}

export interface CoreSourceResult {
  /** `null`/`undefined`: not found, the next fallback applies. */
  readonly value: unknown;
  /** The value came from env, a param or a secret. */
  readonly concealed?: boolean;
  readonly concealedParts?: readonly PropertyPath[];
  /** Already resolved (a configuration property): its strings are not parsed again. */
  readonly final?: boolean;
  /** Replaces `Value not found at "<type>" source` when nothing is found. */
  readonly missing?: { readonly detail: string; readonly hint: string };
}

export interface CoreSource {
  resolve(request: CoreSourceRequest): Promise<CoreSourceResult> | CoreSourceResult;
}

/** The address as a string; numbers are accepted and turned into text. */
export function addressOf(request: CoreSourceRequest, type: string, required: boolean): string | undefined {
  const { address } = request;
  if (address === undefined || address === '') {
    if (!required) return undefined;
    return request.fail(
      'CONFIG_VARIABLE_ADDRESS_MISSING',
      `Missing address argument in variable "${type}" source`,
      `Write it as \${${type}:NAME}.`,
    );
  }
  return address;
}
