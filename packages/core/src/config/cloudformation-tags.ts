/**
 * CloudFormation short-form intrinsic functions (`!Ref X`, `!GetAtt a.b`, `!Sub ...`), turned
 * into their long form (`{Ref: X}`, `{'Fn::GetAtt': [a, b]}`) as the Serverless Framework does,
 * so existing `resources:` sections load unchanged.
 */
const FUNCTIONS = new Set([
  'And',
  'Base64',
  'Cidr',
  'Condition',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Ref',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'Length',
  'ToJsonString',
]);

/** True for a tag such as `!Ref` that names a CloudFormation intrinsic function. */
export function isIntrinsicTag(tag: string | undefined): tag is string {
  return tag !== undefined && tag.startsWith('!') && FUNCTIONS.has(tag.slice(1));
}

/** The long form of a short-form intrinsic: `!GetAtt a.b` → `{'Fn::GetAtt': ['a', 'b']}`. */
export function expandIntrinsic(tag: string, value: unknown): Record<string, unknown> {
  const fn = tag.slice(1);
  const key = fn === 'Ref' || fn === 'Condition' ? fn : `Fn::${fn}`;
  if (fn === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [key]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value };
}
