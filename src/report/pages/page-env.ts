/** What a page needs beyond the run's data: how it is delivered (static files or `serve`). */
import type { SiteLinks } from './page-layout.ts';

export interface PageEnv {
  /** Links to serve's pages about several runs; null for a static report. */
  site: SiteLinks | null;
  /** The URL of another run's report (serve), or null when reports do not link to each other. */
  runUrl(runId: number): string | null;
  pinbenchVersion: string | null;
  /**
   * Whether a page per divergence occurrence (`d/<ab>/<signature>.html`) exists: written by
   * `report --pages all`, answered live by `serve`. Without them, links to an occurrence go to its
   * kind's page. Absent: false.
   */
  occurrencePages?: boolean;
  /**
   * The run's real recordings against their kernels' release models (`fidelity.html`, written
   * when the run replayed recordings): the summary links it. Absent: no such page.
   */
  fidelity?: { recordings: number; calls: number; agree: number; unexpected: number; skipped: number };
}

export const STATIC_ENV: PageEnv = {
  site: null,
  runUrl: () => null,
  pinbenchVersion: null,
};
