/// <reference types="vite/client" />
import type { ReactNode } from 'react';

/**
 * A top-level page of the UI beyond jobs and runs (pipelines, catalog, operations, SQL…). Each lives in
 * `web/src/pages/<name>.page.tsx` and exports `page`; app.tsx finds them all with `import.meta.glob`, so a
 * new page needs no edit of a shared file.
 */
export interface PageModule {
  /** First segment of the hash that selects this page: `pipelines` serves `#pipelines`, `#pipelines/…`. */
  prefix: string;
  /** Label in the top bar; pages without one are reached by links only. */
  navLabel?: string;
  /** Position in the top bar (Jobs is 0). */
  navOrder?: number;
  /** Renders the page for the hash's remaining segments (decoded), e.g. `#catalog/main/sales` → ['main', 'sales']. */
  render(segments: string[]): ReactNode;
}

/** The pages found under ./pages, sorted by navOrder. */
export function registeredPages(): PageModule[] {
  const mods = import.meta.glob<{ page: PageModule }>('./pages/*.page.tsx', { eager: true });
  return Object.values(mods)
    .map((m) => m.page)
    .sort((a, b) => (a.navOrder ?? 100) - (b.navOrder ?? 100));
}

/** Splits a location hash into its decoded segments (`#catalog/main/x%20y` → ['catalog', 'main', 'x y']). */
export function hashSegments(hash: string): string[] {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
}
