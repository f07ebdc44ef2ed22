// web/js/views/scoring.js — the scoring page (#/cycles/C/units/U/scoring). Scaffolding: shows
// the page frame until the page is written.

import { placeholderView } from './page.js';
import { PAGES } from '../nav.js';

export function scoringView() {
  return placeholderView({ id: 'reviews', ...PAGES.reviews });
}
