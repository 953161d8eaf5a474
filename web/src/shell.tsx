import { lazy, Suspense, useEffect, useState } from 'react';
import { useAuth } from './api/auth-context';
import { Link, matchRoute, navigate, usePath, type Route } from './router/router';
import { ApiKeysPage } from './pages/api-keys-page';
import { BenchmarksPage } from './pages/benchmarks-page';
import { CurriculumPage } from './pages/curriculum/curriculum-page';
import { EvaluationsPage } from './pages/evaluations-page';
import { ModelsPage } from './pages/models-page';
import { NewRunPage } from './pages/new-run/new-run-page';
import { RunsPage } from './pages/runs-page';

// The run page carries the charts (recharts): loaded when first needed.
const RunPage = lazy(() => import('./pages/run/run-page').then((m) => ({ default: m.RunPage })));

interface NavItem {
  to: string;
  label: string;
  section: Route['name'][];
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: '/runs', label: 'Runs', section: ['runs', 'run', 'curriculum'] },
  { to: '/new-run', label: 'New run', section: ['new-run'] },
  { to: '/models', label: 'Models', section: ['models'] },
  { to: '/benchmarks', label: 'Benchmarks', section: ['benchmarks'] },
  { to: '/evaluations', label: 'Evaluations', section: ['evaluations'] },
  { to: '/api-keys', label: 'API keys', section: ['api-keys'], adminOnly: true },
];

function Page({ route }: { route: Route }) {
  const { isAdmin } = useAuth();
  switch (route.name) {
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage key={route.id} runId={route.id} />;
    case 'curriculum':
      return <CurriculumPage key={route.id} runId={route.id} />;
    case 'new-run':
      return <NewRunPage />;
    case 'models':
      return <ModelsPage />;
    case 'benchmarks':
      return <BenchmarksPage />;
    case 'evaluations':
      return <EvaluationsPage />;
    case 'api-keys':
      return isAdmin ? <ApiKeysPage /> : <NotFound />;
    case 'not-found':
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no such page. <Link to="/runs">Go to the runs</Link>.
      </p>
    </section>
  );
}

/** The signed-in layout: header with the (collapsible) navigation, then the routed page. */
export function Shell() {
  const { isAdmin, signOut } = useAuth();
  const path = usePath();
  const route = matchRoute(path);
  const [menuOpen, setMenuOpen] = useState(false);

  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (path === '/') navigate('/runs', { replace: true });
  }, [path]);

  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/runs" className="brand">
          R-Zero
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          data-testid="nav-toggle"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="main-nav" className={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
          {NAV.filter((item) => isAdmin || !item.adminOnly).map((item) => (
            <Link
              key={item.to}
              to={item.to}
              data-testid={`nav${item.to.replace('/', '-')}`}
              aria-current={item.section.includes(route.name) ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
          <button
            type="button"
            className="sign-out"
            onClick={() => signOut()}
            data-testid="sign-out"
          >
            Sign out
          </button>
        </nav>
      </header>
      <main className="content">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Page route={route} />
        </Suspense>
      </main>
    </div>
  );
}
