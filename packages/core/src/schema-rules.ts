/**
 * The few validation rules core's client records need, written out instead of imported from a schema library: zod
 * was 8.2 MB (a third of an adapter install) for one record shape. Each rule mirrors what the MCP SDK's zod schema
 * (zod 4) accepts, rejects and outputs; `@oauth-store/mcp-sdk`'s `schema-agreement` test compares them input by input.
 * Internal to core: the public surface is in `client-schema.ts`.
 */

/** A field path: object keys and array indexes. */
export type SchemaPath = ReadonlyArray<string | number>;

/** One problem a schema found: where, and what is wrong. Never the offending value (it may be a secret). */
export interface SchemaIssue {
  /** Field path of the problem; empty for the value itself. */
  readonly path: SchemaPath;
  /** What is wrong, without the value. */
  readonly message: string;
}

/** Why a value was rejected: every problem found (zod's `ZodError` shape, so `error.issues` reads the same). */
export interface SchemaError {
  readonly issues: readonly SchemaIssue[];
}

/** Result of `safeParse`: the parsed value, or the problems. */
export type SafeParseResult<T> = { success: true; data: T } | { success: false; error: SchemaError };

/**
 * Checks one value at `path`: returns the output value (possibly normalised) and pushes any problem into `issues`.
 * The returned value is meaningless when an issue was pushed.
 */
export type Rule<T = unknown> = (value: unknown, path: SchemaPath, issues: SchemaIssue[]) => T;

/** A field of an {@link objectRule}: its rule, and whether the key may be absent. */
export interface FieldRule<T = unknown> {
  readonly rule: Rule<T>;
  /** Absent keys are left out of the output; a present `undefined` is kept as a present `undefined`. */
  readonly optional: boolean;
}

/** The fields of an object of type `T`, each with a rule producing that field's type. */
export type Shape<T> = { readonly [K in keyof T]-?: FieldRule<T[K] | undefined> };

/** Something with `safeParse` and `parse`, as zod schemas have. */
export interface Schema<T> {
  /** Parses `input`; never throws. */
  safeParse(input: unknown): SafeParseResult<T>;
  /** Parses `input`; throws a `TypeError` naming the fields (not their values) when it is invalid. */
  parse(input: unknown): T;
}

/** An object schema; `shape` lists its fields (as zod's `.shape`). */
export interface ObjectSchema<T> extends Schema<T> {
  readonly shape: Shape<T>;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function expected(kind: string, value: unknown, path: SchemaPath, issues: SchemaIssue[]): void {
  issues.push({ path, message: `expected ${kind}, received ${typeName(value)}` });
}

/** A string (a primitive; `new String()` is rejected). */
export const stringRule: Rule<string> = (value, path, issues) => {
  if (typeof value !== 'string') expected('string', value, path, issues);
  return value as string;
};

/** A finite number (NaN and ±Infinity are rejected, as zod 4's `z.number()` does). */
export const numberRule: Rule<number> = (value, path, issues) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) expected('number', value, path, issues);
  return value as number;
};

/** Exactly `literal`. */
export function literalRule<const L extends string | number | boolean>(literal: L): Rule<L> {
  return (value, path, issues) => {
    if (value !== literal) issues.push({ path, message: `expected ${JSON.stringify(literal)}` });
    return value as L;
  };
}

/** Anything, passed through as is. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors the SDK's `z.any()` (its `jwks` field is typed `any`).
export const anyRule: Rule<any> = (value) => value;

/** A real array whose every element (holes read as `undefined`) passes `element`; the output is a new array. */
export function arrayRule<T>(element: Rule<T>): Rule<T[]> {
  return (value, path, issues) => {
    if (!Array.isArray(value)) {
      expected('array', value, path, issues);
      return value as T[];
    }
    const out: T[] = [];
    for (let index = 0; index < value.length; index++) out.push(element(value[index], [...path, index], issues));
    return out;
  };
}

/** Either `undefined` or what `rule` accepts. */
export function optionalValue<T>(rule: Rule<T>): Rule<T | undefined> {
  return (value, path, issues) => (value === undefined ? undefined : rule(value, path, issues));
}

/** A required field. */
export function required<T>(rule: Rule<T>): FieldRule<T> {
  return { rule, optional: false };
}

/** An optional field: absent stays absent, `undefined` is accepted. */
export function optional<T>(rule: Rule<T>): FieldRule<T | undefined> {
  return { rule: optionalValue(rule), optional: true };
}

/**
 * A non-null, non-array object (other objects such as Dates count, as in zod). Reads each field with `input[key]`
 * (inherited properties included) and outputs only the declared fields, in declaration order: unknown fields are
 * stripped.
 */
export function objectRule<T>(fields: Shape<T>): Rule<T> {
  const entries = Object.entries(fields) as Array<[string, FieldRule]>;
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      expected('object', value, path, issues);
      return value as T;
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, field] of entries) {
      // An absent optional key stays absent; an absent required key is checked as `undefined` (and so rejected).
      if (field.optional && !(key in input)) continue;
      out[key] = field.rule(input[key], [...path, key], issues);
    }
    return out as T;
  };
}

/** A {@link Schema} from a rule. */
export function schema<T>(rule: Rule<T>): Schema<T> {
  const safeParse = (input: unknown): SafeParseResult<T> => {
    const issues: SchemaIssue[] = [];
    const data = rule(input, [], issues);
    return issues.length === 0 ? { success: true, data } : { success: false, error: { issues } };
  };
  return {
    safeParse,
    parse(input) {
      const result = safeParse(input);
      if (result.success) return result.data;
      throw new TypeError(describeIssues(result.error));
    },
  };
}

/** An {@link ObjectSchema} from its fields. */
export function objectSchema<T>(fields: Shape<T>): ObjectSchema<T> {
  return { ...schema(objectRule<T>(fields)), shape: fields };
}

/** Field paths and messages of a failed parse (at most five), without the offending values (they may hold secrets). */
export function describeIssues(error: SchemaError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
