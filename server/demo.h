/*
 * demo.h - demonstration data for `kaoping serve --demo`.
 */
#ifndef KAOPING_DEMO_H
#define KAOPING_DEMO_H

/* When the database holds no units yet, creates the demonstration data (units, users,
 * rubric, cycles, report texts in the store under DATA_DIR, assignments) in one transaction
 * and prints the demo logins to standard output; when it already holds data, adds nothing and
 * prints the logins. Uses the calling thread's connection. Returns E_OK or an error (logged;
 * nothing is half-created). */
int demo_seed(const char *data_dir);

#endif
