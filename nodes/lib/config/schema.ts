/**
 * One typed config schema per node type: each field's default, what the editor accepts, and the migrations
 * that bring a node saved by an older version to the current one. The runtime reads a node's config through
 * it (`loadConfig`: migrated, then every missing field filled with its default) and the editor uses the same
 * compiled module (scripts/build.js writes it to resources/config-schemas.js and each dialog's `defaults`
 * from it), so a default lives once. No Node-RED import; the modules of nodes/lib/config/ run in the browser
 * too, so they import nothing outside this folder but ../fields.
 *
 * A saved node carries `version`; without one it is version 0 (saved before schemas existed). Migration `n`
 * turns a version n-1 config into version n. How to add a field or a migration: README, "Config schema".
 */
import { numField } from '../fields';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Config = Record<string, unknown>;

interface FieldBase<T> {
  /** The default: what a new node gets and what a missing field means. */
  value: T;
  /** The editor refuses an empty value. */
  required?: boolean;
  /** Kept in the editor's defaults only so an old node still holds it until its migration reads it. */
  deprecated?: boolean;
}
export interface TextField extends FieldBase<string> {
  kind: 'text';
  /** The text must match (regular expression source); empty passes unless required. */
  pattern?: string;
}
export interface NumField extends FieldBase<number | ''> {
  kind: 'number';
  /** Bounds: the runtime clamps to them, the editor refuses a value outside. Empty means the default. */
  min?: number;
  max?: number;
}
export interface FlagField extends FieldBase<boolean> {
  kind: 'flag';
}
export interface ChoiceField extends FieldBase<string> {
  kind: 'choice';
  choices: readonly string[];
}
export interface ListField extends FieldBase<Json[]> {
  kind: 'list';
}
/** The id of a config node of `nodeType` (the editor shows its select / add button). */
export interface NodeRefField extends FieldBase<string> {
  kind: 'node';
  nodeType: string;
}
export type Field = TextField | NumField | FlagField | ChoiceField | ListField | NodeRefField;

export interface Migration {
  /** The version this migration produces (the previous one + 1). */
  to: number;
  /** What changed, for the reader (and the README's list). */
  note: string;
  /** A version `to - 1` config → a version `to` config (a new object; `version` is set by migrate()). */
  up(config: Config): Config;
}

/** A secret of the node: a Node-RED `password` credential, kept out of the flow file. */
export interface Secret {
  /** The editor refuses a value that does not match (regular expression source); empty always passes. */
  pattern?: string;
}

export interface NodeSchema<F extends Record<string, Field> = Record<string, Field>> {
  type: string;
  /** The current version: the number of migrations. */
  version: number;
  fields: F;
  migrations: readonly Migration[];
  /** The node's credentials, declared once: the runtime registers them, the build writes the dialog's. */
  secrets: Readonly<Record<string, Secret>>;
}

// Field constructors: the default first, then what the editor checks.
export const text = (value = '', opts: Omit<TextField, 'kind' | 'value'> = {}): TextField => ({ kind: 'text', value, ...opts });
export const num = (value: number | '', opts: Omit<NumField, 'kind' | 'value'> = {}): NumField => ({ kind: 'number', value, ...opts });
export const flag = (value: boolean): FlagField => ({ kind: 'flag', value });
export const choice = <C extends string>(choices: readonly C[], value: C): ChoiceField => ({ kind: 'choice', choices, value });
export const list = (value: Json[] = []): ListField => ({ kind: 'list', value });
export const nodeRef = (nodeType: string, required = false): NodeRefField => ({ kind: 'node', nodeType, value: '', required });
/** A field an older version saved: no default; its migration reads and removes it. */
export const deprecated = (): TextField => ({ kind: 'text', value: '', deprecated: true });

/** A schema whose migrations are numbered 1..n in order (n = its version); throws otherwise. */
export function defineSchema<F extends Record<string, Field>>(type: string, fields: F, migrations: readonly Migration[], secrets: Readonly<Record<string, Secret>> = {}): NodeSchema<F> {
  migrations.forEach((m, i) => {
    if (m.to !== i + 1) throw new Error(`${type}: migration ${i + 1} says it produces version ${m.to}`);
  });
  return { type, version: migrations.length, fields, migrations, secrets };
}

/** The `credentials` of registerType (runtime): every secret a password. */
export function credentialTypes(schema: NodeSchema): Record<string, { type: 'password' }> {
  return Object.fromEntries(Object.keys(schema.secrets).map((k) => [k, { type: 'password' as const }]));
}

/** The version a saved config says it is (missing or unreadable: 0, saved before versions). */
export function versionOf(config: Config): number {
  const v = Number(config.version);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/** A copy of `config` brought to the schema's version by the migrations it has not had yet. */
export function migrate(schema: NodeSchema, config: Config): Config {
  let c: Config = { ...config };
  for (const m of schema.migrations.slice(versionOf(config))) c = { ...m.up(c), version: m.to };
  return c;
}

const copy = <T>(v: T): T => (v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T));

/** A copy of `config` with every missing (undefined) field set to its default; deprecated fields are dropped. */
export function withDefaults(schema: NodeSchema, config: Config): Config {
  const c: Config = { ...config };
  for (const [name, f] of Object.entries(schema.fields)) {
    if (f.deprecated) delete c[name];
    else if (c[name] === undefined) c[name] = copy(f.value);
  }
  return c;
}

/** A saved node's config as the current version reads it: migrated, then defaults filled. */
export function loadConfig(schema: NodeSchema, config: Config): Config {
  return { ...withDefaults(schema, migrate(schema, config)), version: schema.version };
}

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** Whether the editor accepts `v` for the field (an empty value always unless the field is required). */
export function validField(f: Field, v: unknown): boolean {
  if (blank(v)) return !f.required;
  switch (f.kind) {
    case 'number': {
      const n = Number(v);
      return typeof v !== 'boolean' && Number.isFinite(n) && n >= (f.min ?? -Infinity) && n <= (f.max ?? Infinity);
    }
    case 'text':
      // a stored secret shows as __PWRD__ in the editor, never its value
      return typeof v === 'string' && (!f.pattern || v === '__PWRD__' || new RegExp(f.pattern).test(v));
    case 'choice':
      return f.choices.includes(String(v));
    case 'list':
      return Array.isArray(v);
    case 'flag':
      return typeof v === 'boolean' || v === 'true' || v === 'false';
    default:
      return true;
  }
}

/** A number field's value as the runtime uses it: empty or not a number → the default, clamped to the bounds. */
export function numOf(f: NumField, v: unknown): number {
  const dflt = f.value === '' ? 0 : f.value;
  return numField(v, dflt, f.min, f.max);
}

/** A flag field's value (a flow written by hand may hold "true"/"false"). */
export function flagOf(f: FlagField, v: unknown): boolean {
  return v === undefined || v === null || v === '' ? f.value : v === true || v === 'true';
}

/** Migration helper: `config` with each field of `meant` set where it is missing (what its absence meant). */
export function fillMissing(config: Config, meant: Config): Config {
  const c: Config = { ...config };
  for (const [k, v] of Object.entries(meant)) if (c[k] === undefined) c[k] = v;
  return c;
}

/** Migration helper: `config` without the named fields. */
export function dropFields(config: Config, names: readonly string[]): Config {
  const c: Config = { ...config };
  for (const k of names) delete c[k];
  return c;
}
