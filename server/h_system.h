/*
 * h_system.h - operational routes: health, metrics, the OpenAPI document, and error reports
 * from the web app.
 */
#ifndef KAOPING_H_SYSTEM_H
#define KAOPING_H_SYSTEM_H

#include "req.h"

/* Tells /healthz whether the daemon runs with demonstration data (the login page then shows
 * the demo logins). */
void h_system_set_demo(int demo);

/* GET /healthz: {"status":"ok","version","demo"}; 503 E_DB when the database does not answer. */
int h_healthz(struct req *r, struct reply *out);

/* GET /metrics: Prometheus text. */
int h_metrics(struct req *r, struct reply *out);

/* GET /api/v1/openapi.json: the OpenAPI 3 document of every route. */
int h_openapi(struct req *r, struct reply *out);

/* POST /api/v1/client-errors: a script error seen by a browser, written to the log (at most
 * 60 a minute are logged); 204. */
int h_client_error(struct req *r, struct reply *out);

#endif
