// web/js/views/reviews.js — a reviewer's list of sheets (我的评审) and a unit's
// self-assessments (自评). Scaffolding: shows the page frame until the lists are written.

import { placeholderView } from './page.js';
import { PAGES } from '../nav.js';

export function reviewsView() {
  return placeholderView({ id: 'reviews', ...PAGES.reviews });
}

export function selfAssessmentView() {
  return placeholderView({ id: 'selfAssessment', ...PAGES.selfAssessment });
}
