/*
 * h_search.h - full-text search over report texts.
 */
#ifndef KAOPING_H_SEARCH_H
#define KAOPING_H_SEARCH_H

#include "req.h"

/* GET /api/v1/search?q=&cycle=&kind=&unit=&limit=&offset= (signed in): the current reports
 * containing every word of Q (words separated by spaces; Chinese words of any length, Latin
 * words and numbers), best first (BM25), with a snippet in which each hit is wrapped in
 * U+0002 … U+0003. Unit users search their own unit's reports, reviewers those of units
 * assigned to them outside blind cycles (a hit would name the unit). {"results":[{"cycle",
 * "unit","version","snippet"}],"total"}. */
int h_search(struct req *r, struct reply *out);

#endif
