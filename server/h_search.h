/*
 * h_search.h - full-text search over report texts.
 */
#ifndef KAOPING_H_SEARCH_H
#define KAOPING_H_SEARCH_H

#include "req.h"

/* GET /api/v1/search?q=&cycle=&kind=&unit=&limit=&offset= (signed in): the current reports
 * containing every word of Q (words separated by spaces; Chinese words of any length, Latin
 * words and numbers), with a snippet in which each hit is wrapped in U+0002 … U+0003. When
 * at most --search-rank-max reports match (config.h) they come best first (BM25, then id) and
 * "order" is "relevance"; above it newest stored first (report id descending, what FTS5 reads
 * without scoring every match) and "order" is "recent". "total" is the number of matches,
 * counted up to the larger of --search-rank-max and offset + limit: when more match,
 * "total_capped" is true and "total" is that bound (so there is a page after this one).
 * limit/offset page through all matches in the reply's order. Unit users search
 * their own unit's reports, reviewers those of units assigned to them outside blind cycles (a
 * hit would name the unit). {"results":[{"cycle","unit","version","snippet"}],"total",
 * "total_capped","order"}. */
int h_search(struct req *r, struct reply *out);

#endif
