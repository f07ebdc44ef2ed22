// web/js/views/results.js — the assessment office's results pages (#/results?cycle=ID and a
// unit's trace #/results/UNIT?cycle=ID). Scaffolding: shows the page frame until the pages are
// written.

import { placeholderView } from './page.js';
import { PAGES } from '../nav.js';

/* The view of a path below #/results (ctx.route.segments[0] is "results"), or null. */
export function resultsRoute(ctx) {
  if (ctx.route.segments.length !== 1) return null;
  return placeholderView({ id: 'results', ...PAGES.results });
}
