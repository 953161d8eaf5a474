/**
 * What must not leave the server: absolute paths in error bodies, run errors and logs; SQL
 * parameters and driver details (they carry key hashes and webhook secrets) in logged errors; API
 * keys a client put in a URL.
 */
import { tmpdir } from 'node:os';
import { stdSerializers } from 'pino';
import { projectRoot } from './paths';

let root: string | null = null;
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const appRoot = (): string => (root ??= projectRoot());

/**
 * Any remaining absolute path: a '/' that starts a token (not the '/' of a URL, which follows a
 * host name or ':'), with at least one more '/' in it. Its last segment (the file name) is kept.
 */
const ABSOLUTE_PATH = /(^|[\s'"`(=,[{<])\/(?:[^\s'"`),\]}>/]+\/)+([^\s'"`),\]}>/]*)/g;

/**
 * `text` with the artifact directory, the project directory and the temp directory named by
 * labels, and any other absolute path cut to `<server path>/<file name>`.
 */
export function redactPaths(text: string, artifactDir?: string): string {
  let out = text;
  const labelled: [string, string][] = [
    ...(artifactDir ? ([[artifactDir, '<artifacts>']] as [string, string][]) : []),
    [appRoot(), '<app>'],
    [tmpdir(), '<tmp>'],
  ];
  for (const [dir, label] of labelled.sort((a, b) => b[0].length - a[0].length)) {
    if (dir.length <= 1) continue;
    // Only where a path starts (not "/tmp" inside ".../x/tmp/y"), and only the whole directory.
    const at = new RegExp(`(^|[^\\w.<>/-])${escapeRegExp(dir)}(?=/|$|[^\\w.-])`, 'g');
    out = out.replace(at, (_m, lead: string) => `${lead}${label}`);
  }
  return out.replace(
    ABSOLUTE_PATH,
    (_m, lead: string, file: string) => `${lead}<server path>/${file}`,
  );
}

/** Query parameters whose values are credentials, whatever the route. */
const SECRET_PARAM = /key|token|secret|auth|pass|signature|credential/i;
/** Values that look like this service's keys or webhook secrets, under any parameter name. */
const SECRET_VALUE = /^(rz_|whsec_)/;

/**
 * `url` with the value of every credential-like query parameter (by name, or by the rz_/whsec_
 * shape, or equal to one of `secrets`) replaced by `[redacted]`.
 */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      const raw = pair.slice(eq + 1);
      let value = raw;
      let decodedName = name;
      try {
        value = decodeURIComponent(raw.replace(/\+/g, ' '));
        decodedName = decodeURIComponent(name);
      } catch {
        // Not valid percent-encoding: judge the raw text.
      }
      const secret =
        SECRET_PARAM.test(decodedName) ||
        SECRET_VALUE.test(value) ||
        secrets.some((s) => s.length > 0 && value.includes(s));
      return secret ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A logged error's fields that hold request data: SQL parameters, driver details. */
const DATA_FIELDS = ['parameters', 'detail', 'where', 'internalQuery', 'driverError'];

/**
 * The pino serializer of `err`: the standard one, without SQL parameters or driver details, the
 * message and stack without absolute paths.
 */
export function errSerializer(artifactDir?: string): (err: unknown) => unknown {
  return (err: unknown) => {
    const s = (err instanceof Error ? stdSerializers.err(err) : err) as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) return s;
    const out: Record<string, unknown> = { ...s };
    for (const f of DATA_FIELDS) delete out[f];
    const driver = s.driverError as { code?: unknown } | undefined;
    if (driver && typeof driver === 'object' && driver.code !== undefined) {
      out.driverCode = driver.code;
    }
    for (const f of ['message', 'stack']) {
      if (typeof out[f] === 'string') out[f] = redactPaths(out[f], artifactDir);
    }
    return out;
  };
}

/** The pino serializer of `req` (after pino-http's own): credentials in the URL redacted. */
export function reqSerializer(secrets: readonly string[] = []): (req: unknown) => unknown {
  return (req: unknown) => {
    if (typeof req !== 'object' || req === null) return req;
    const r = { ...(req as Record<string, unknown>) };
    if (typeof r.url === 'string') r.url = redactUrl(r.url, secrets);
    if (typeof r.query === 'object' && r.query !== null) {
      const q: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r.query)) {
        const str = typeof v === 'string' ? v : JSON.stringify(v);
        q[k] =
          SECRET_PARAM.test(k) ||
          SECRET_VALUE.test(str) ||
          secrets.some((s) => s.length > 0 && str.includes(s))
            ? '[redacted]'
            : v;
      }
      r.query = q;
    }
    return r;
  };
}
