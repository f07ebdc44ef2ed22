/*
 * h_audit.h - the audit trail for the assessment office.
 */
#ifndef KAOPING_H_AUDIT_H
#define KAOPING_H_AUDIT_H

#include "req.h"

/* GET /api/v1/audit?before=&limit=&action=&object=&actor=&since=&until= (admin; since and
 * until are Unix seconds, inclusive): newest first,
 * {"entries":[{"id","at","actor","action","object","detail","client_addr"}],"next_before"}. */
int h_audit_list(struct req *r, struct reply *out);

/* GET /api/v1/audit/verify (admin): {"ok","entries","head","broken_at"}. */
int h_audit_verify(struct req *r, struct reply *out);

#endif
