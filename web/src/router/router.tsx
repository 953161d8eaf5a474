/**
 * A small history-API router for the panel's routes under /admin/ (the api answers index.html for
 * every /admin path, so a reload lands on the same page).
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const BASE = '/admin';
const NAVIGATED = 'rzero:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

/** The path below /admin, e.g. "/runs/<id>" ("/" for /admin itself). */
function currentPath(): string {
  const path = window.location.pathname;
  const rest = path.startsWith(BASE) ? path.slice(BASE.length) : path;
  return rest.replace(/\/+$/, '') || '/';
}

export const usePath = (): string => useSyncExternalStore(subscribe, currentPath);

export const href = (to: string): string => `${BASE}${to}`;

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', href(to));
  else window.history.pushState(null, '', href(to));
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

export type Route =
  | { name: 'runs' }
  | { name: 'run'; id: string }
  | { name: 'curriculum'; id: string }
  | { name: 'new-run' }
  | { name: 'models' }
  | { name: 'benchmarks' }
  | { name: 'evaluations' }
  | { name: 'api-keys' }
  | { name: 'not-found' };

const STATIC: Record<string, Route> = {
  '/': { name: 'runs' },
  '/runs': { name: 'runs' },
  '/new-run': { name: 'new-run' },
  '/models': { name: 'models' },
  '/benchmarks': { name: 'benchmarks' },
  '/evaluations': { name: 'evaluations' },
  '/api-keys': { name: 'api-keys' },
};

export function matchRoute(path: string): Route {
  const fixed = STATIC[path];
  if (fixed) return fixed;
  const run = /^\/runs\/([^/]+)(\/curriculum)?$/.exec(path);
  if (run) {
    const id = decodeURIComponent(run[1]!);
    return run[2] ? { name: 'curriculum', id } : { name: 'run', id };
  }
  return { name: 'not-found' };
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An <a> to a panel route: a plain link for new tabs, an in-page navigation for a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={href(to)} onClick={handle} {...rest} />;
}
