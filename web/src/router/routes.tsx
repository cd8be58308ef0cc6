import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { overviewQueries } from '../features/overview/api';
import { readFilters } from '../filters/dashboard-filters';
import { matchPath } from './router';

/** What a page gets from its path: `/teams/:key` → `{ key }`. */
export interface PageProps {
  params: Record<string, string>;
}

type PageModule = { default: ComponentType<PageProps> };

interface RouteDefinition {
  path: string;
  load: () => Promise<PageModule>;
  /** Starts the page's first query while its code downloads (the first chart the user sees). */
  prefetch?: (client: QueryClient, search: URLSearchParams) => void;
}

// Every page is its own chunk (and recharts another), so the first load carries only the shell.
const ROUTES: RouteDefinition[] = [
  {
    path: '/',
    load: () => import('../features/overview/overview-page').then((m) => ({ default: m.OverviewPage })),
    prefetch: (client, search) => void client.prefetchQuery(overviewQueries.cycleTime(readFilters(search))),
  },
  { path: '/teams', load: () => import('../features/teams/teams-page').then((m) => ({ default: m.TeamsPage })) },
  { path: '/teams/:key', load: () => import('../features/teams/team-page').then((m) => ({ default: m.TeamPage })) },
  { path: '/experiments', load: () => import('../features/experiments/experiments-page').then((m) => ({ default: m.ExperimentsPage })) },
  { path: '/experiments/:id', load: () => import('../features/experiments/experiment-page').then((m) => ({ default: m.ExperimentPage })) },
  { path: '/agents', load: () => import('../features/agents/agents-page').then((m) => ({ default: m.AgentsPage })) },
  { path: '/regressions', load: () => import('../features/regressions/regressions-page').then((m) => ({ default: m.RegressionsPage })) },
  { path: '/settings', load: () => import('../features/settings/settings-page').then((m) => ({ default: m.SettingsPage })) },
  { path: '/settings/guides/:source', load: () => import('../features/settings/guide-page').then((m) => ({ default: m.GuidePage })) },
];

const pages = new Map<string, LazyExoticComponent<ComponentType<PageProps>>>(ROUTES.map((r) => [r.path, lazy(r.load)]));

export interface ResolvedRoute {
  path: string;
  Page: LazyExoticComponent<ComponentType<PageProps>>;
  params: Record<string, string>;
}

export function resolveRoute(pathname: string): ResolvedRoute | undefined {
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname);
    const Page = pages.get(route.path);
    if (params && Page) return { path: route.path, Page, params };
  }
  return undefined;
}

/** Starts loading a page's code before React asks for it (at start, in parallel with the session check). */
export function preloadRoute(pathname: string): void {
  const route = ROUTES.find((r) => matchPath(r.path, pathname));
  void route?.load().catch(() => undefined);
}

/** Once signed in: starts the page's first query, so it runs while the page's code is still downloading. */
export function prefetchRouteData(client: QueryClient, pathname: string, search: URLSearchParams): void {
  ROUTES.find((r) => matchPath(r.path, pathname))?.prefetch?.(client, search);
}
