/*
 * demo_scale.h - a national-scale data set for benchmarks and load tests: `kaoping demo
 * --scale N` fills an empty data dir with N units, their reviewers, the built-in rubric, a
 * closed earlier cycle and a current cycle under review, generated report texts and submitted
 * score sheets, so that every figure of PRODUCT.md's "Scale and speed" table can be measured
 * on realistic data (see tests/bench/).
 *
 * What it makes, for N units (codes G000001 …, in counties of up to 31 units: the county
 * itself (county), 20 departments (department), 8 towns (town), 2 streets (street)):
 *   - one unit account per unit (unit-<code>), ceil(N / 10) reviewers (rv00001 …, each with
 *     about 30 sheets per cycle), the office account admin and the load-test reviewer bench;
 *     every password is DEMO_SCALE_PASSWORD;
 *   - the built-in rubric (server/demo/rubric-default.json);
 *   - cycle 1: year DEMO_SCALE_YEAR - 1, closed, 3 submitted review sheets per unit (history);
 *   - cycle 2: year DEMO_SCALE_YEAR, review phase: one current report per unit (10–40 KB of
 *     Chinese in the five parts, stored, extracted and indexed like an upload), 3 submitted
 *     review sheets per unit, and the reviewer bench assigned (sheet empty, not submitted) to
 *     the first min(N, 10000) units, for benchmarks that save scores;
 *   - scores: every applicable leaf scored from a per-unit quality, a per-reviewer leniency and
 *     noise, in the rubric's score step; a comment on low scores; a few bonus claims and
 *     deductions; vetoes on about one unit in 2,000.
 * The same N and SEED give the same data (times aside).
 */
#ifndef KAOPING_DEMO_SCALE_H
#define KAOPING_DEMO_SCALE_H

#include <stdint.h>

#define DEMO_SCALE_PASSWORD "kaoping-demo"
#define DEMO_SCALE_YEAR     2025
#define DEMO_SCALE_MAX      1000000 /* units at most */

/* Fills the database of the calling thread (db_thread(), opened on DATA_DIR) with N units
 * (1..DEMO_SCALE_MAX) as above, from the pseudo-random SEED, committing in batches and
 * printing progress to standard error and a summary with the logins to standard output.
 * Refuses a database that already holds units (E_CONFLICT, message printed). On any other
 * failure it stops with the error (logged); what was committed before stays, so the caller
 * should tell the user to remove the data dir. Returns E_OK or an error code. */
int demo_scale(const char *data_dir, int n, uint64_t seed);

#endif
