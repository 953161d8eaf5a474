import type { FieldIssue } from './domain-error';

/** Deepest nesting a request body, query or path value may have (the deepest DTO needs 4). */
export const MAX_INPUT_DEPTH = 32;

/**
 * Object keys no request may carry: they reach prototypes when a value is merged or looked up by
 * key (`__proto__`, `constructor`, `toString`, `hasOwnProperty`, ... every member of
 * Object.prototype), and no field of the API has these names.
 */
const RESERVED_KEYS = new Set([
  '__proto__',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

const NUL = '\u0000';

/** A field's path for reports; keys are cut at 100 characters (a key can be megabytes long). */
const fieldOf = (path: string, key: string | number): string => {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = key.length > 100 ? `${key.slice(0, 100)}...` : key;
  return path ? `${path}.${k}` : k;
};

/**
 * The first problem of an input that no handler should ever see, or null: nesting deeper than
 * MAX_INPUT_DEPTH (the validation pipe recurses and would overflow the stack), a NUL character in a
 * string or key (Postgres refuses 0x00 in text), or a reserved key (`__proto__`, `constructor`,
 * `prototype`). `root` names the input in the report: '' for a body (fields are named by their
 * path), or the query/path parameter's name. Iterative, so any depth is safe to inspect.
 */
export function inspectInput(
  value: unknown,
  root: string,
  label = root || 'body',
): FieldIssue | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL))
        return { field: path || label, reason: 'must not contain NUL (\\u0000) characters' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      return { field: label, reason: `is nested deeper than ${MAX_INPUT_DEPTH} levels` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ v: v[i], path: fieldOf(path, i), depth: depth + 1 });
      continue;
    }
    // Buffers and other non-plain objects (uploaded files) are not request fields.
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) continue;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const field = fieldOf(path, key);
      if (key.includes(NUL)) {
        return {
          field: fieldOf(path, key.replaceAll(NUL, '\\u0000')),
          reason: 'must not contain NUL (\\u0000) characters',
        };
      }
      if (RESERVED_KEYS.has(key)) return { field, reason: 'is a reserved name, not a field' };
      stack.push({ v: (v as Record<string, unknown>)[key], path: field, depth: depth + 1 });
    }
  }
  return null;
}
