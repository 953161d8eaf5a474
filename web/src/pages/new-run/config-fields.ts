/**
 * The config fields the new-run form has inputs for, named by their request path (the names the
 * API uses in `errors[].field`), and the helpers that turn the inputs into a `config` override.
 */
export type Json = Record<string, unknown>;

export interface ConfigField {
  /** Request path, e.g. "config.filter.minP". */
  name: string;
  label: string;
  kind: 'int' | 'number' | 'bool';
  hint?: string;
}

export interface FieldGroup {
  title: string;
  fields: ConfigField[];
}

export const CONFIG_GROUPS: FieldGroup[] = [
  {
    title: 'Run',
    fields: [
      { name: 'config.iterations', label: 'Iterations', kind: 'int' },
      { name: 'config.seed', label: 'Seed', kind: 'int' },
      {
        name: 'config.votes',
        label: 'Votes (m)',
        kind: 'int',
        hint: 'Solver samples per question',
      },
    ],
  },
  {
    title: 'Challenger',
    fields: [
      { name: 'config.challenger.steps', label: 'Steps', kind: 'int' },
      { name: 'config.challenger.lr', label: 'Learning rate', kind: 'number' },
      {
        name: 'config.challenger.questionsPerIteration',
        label: 'Questions per iteration (N)',
        kind: 'int',
      },
      { name: 'config.challenger.train', label: 'Train the Challenger', kind: 'bool' },
    ],
  },
  {
    title: 'Solver',
    fields: [
      { name: 'config.solver.steps', label: 'Steps', kind: 'int' },
      { name: 'config.solver.lr', label: 'Learning rate', kind: 'number' },
    ],
  },
  {
    title: 'Filter and reward',
    fields: [
      { name: 'config.filter.enabled', label: 'Filter by p̂', kind: 'bool' },
      { name: 'config.filter.minP', label: 'Min p̂', kind: 'number' },
      { name: 'config.filter.maxP', label: 'Max p̂', kind: 'number' },
      { name: 'config.reward.repetitionPenalty', label: 'Repetition penalty', kind: 'bool' },
    ],
  },
  {
    title: 'Evaluation',
    fields: [
      {
        name: 'config.evaluation.maxItems',
        label: 'Max items per benchmark',
        kind: 'int',
        hint: '0 = all',
      },
    ],
  },
];

export const CONFIG_FIELDS = CONFIG_GROUPS.flatMap((g) => g.fields);

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dotted path below `config.` in a config object. */
export function valueAt(config: Json | undefined, name: string): unknown {
  let at: unknown = config;
  for (const key of name.replace(/^config\./, '').split('.')) {
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

function setAt(target: Json, name: string, value: unknown): void {
  const keys = name.replace(/^config\./, '').split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key] as Json;
  }
  at[keys[keys.length - 1]!] = value;
}

/** `over` merged into `base`, object by object; `over` wins. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Json, value) : value;
  }
  return out;
}

/** The overrides the inputs hold: filled numbers, and switches set away from the preset. */
export function fieldOverrides(
  numbers: Record<string, string>,
  switches: Record<string, boolean>,
  preset: Json | undefined,
): Json {
  const out: Json = {};
  for (const field of CONFIG_FIELDS) {
    if (field.kind === 'bool') {
      const on = switches[field.name];
      if (on !== undefined && on !== valueAt(preset, field.name)) setAt(out, field.name, on);
    } else {
      const text = (numbers[field.name] ?? '').trim();
      if (text !== '') setAt(out, field.name, Number(text));
    }
  }
  return out;
}

/** The "advanced" JSON text: an object, or the reason it is not one. */
export function parseOverrides(text: string): { value: Json } | { error: string } {
  if (!text.trim()) return { value: {} };
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value)
      ? { value }
      : { error: 'must be a JSON object, e.g. {"optim": {"klCoef": 0.02}}' };
  } catch (err) {
    return { error: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
