// web/js/views/assignments.js — the assessment office's assignments and progress page
// (#/assignments). Scaffolding: shows the page frame until the page is written.

import { placeholderView } from './page.js';
import { PAGES } from '../nav.js';

export function assignmentsView() {
  return placeholderView({ id: 'assignments', ...PAGES.assignments });
}
