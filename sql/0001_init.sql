-- 0001_init.sql: kaoping's schema for the whole product (units, users, sessions, cycles,
-- reports, rubrics, assignments, scores, evidence, appeals, audit).
-- Applied by server/db.c inside one transaction that ends with PRAGMA user_version = 1.
-- Conventions: times are Unix seconds (INTEGER) in UTC; JSON columns hold compact JSON text;
-- every foreign key is declared (foreign_keys=ON per connection); tables that reach national
-- scale (score: 50,000 units x 40 indicators x 3 reviewers = 6M rows) are WITHOUT ROWID and
-- clustered on the key they are read by.

-- Kinds of assessed unit. Rubric indicators and grade bands can be restricted to kinds.
CREATE TABLE unit_kind (
  code TEXT PRIMARY KEY,          -- 'department', 'town', ...
  name TEXT NOT NULL,             -- 县直部门, 镇, ...
  sort INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO unit_kind (code, name, sort) VALUES
  ('city', '市', 1), ('district', '区', 2), ('county', '县', 3), ('department', '部门', 4),
  ('zone', '开发区/园区', 5), ('town', '镇', 6), ('township', '乡', 7), ('street', '街道', 8);

-- A government unit that is assessed (or that a reviewer belongs to).
CREATE TABLE unit (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,      -- stable short code used in imports, file names, logins
  name TEXT NOT NULL,
  kind TEXT NOT NULL REFERENCES unit_kind(code),
  parent_id INTEGER REFERENCES unit(id),
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX unit_parent ON unit(parent_id);
CREATE INDEX unit_kind_name ON unit(kind, name);

-- An account. A 'unit' user is bound to one unit; a reviewer may belong to a unit too, which is
-- then a conflict of interest for assignments.
CREATE TABLE user (
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'unit')),
  unit_id INTEGER REFERENCES unit(id),
  pw_hash TEXT NOT NULL,          -- libsodium crypto_pwhash_str (Argon2id) string
  must_change_pw INTEGER NOT NULL DEFAULT 0 CHECK (must_change_pw IN (0, 1)),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (role <> 'unit' OR unit_id IS NOT NULL)
);
CREATE INDEX user_unit ON user(unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX user_role ON user(role, login);

-- A login session. Only a hash of the cookie token is stored.
CREATE TABLE session (
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE, -- BLAKE2b-256 of the 32-byte random cookie token
  user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,        -- sent back in X-CSRF-Token on state-changing requests
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,      -- for the idle timeout
  expires_at INTEGER NOT NULL,     -- absolute timeout
  client_addr TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX session_user ON session(user_id);
CREATE INDEX session_expiry ON session(expires_at);

-- Failed login attempts, for throttling per account and per client address.
CREATE TABLE login_failure (
  key TEXT NOT NULL,               -- 'login:<name>' or 'addr:<ip>'
  at INTEGER NOT NULL
);
CREATE INDEX login_failure_key ON login_failure(key, at);

-- A rubric: a versioned tree of indicators. A cycle freezes the rubric it scores against.
CREATE TABLE rubric (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  derived_from INTEGER REFERENCES rubric(id), -- the rubric this one was copied from
  total_points REAL NOT NULL DEFAULT 100,
  rules TEXT NOT NULL DEFAULT '{}',  -- JSON: score_step, bonus_cap, deduction_cap, na_rescale
  grade_bands TEXT NOT NULL DEFAULT '[]', -- JSON: [{"name":"优秀","min":90}, ...]
  frozen INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- A node of a rubric tree. 'area' nodes group; 'item' leaves carry max points; 'bonus',
-- 'deduction' and 'veto' nodes are the special items of the rubric.
CREATE TABLE indicator (
  id INTEGER PRIMARY KEY,
  rubric_id INTEGER NOT NULL REFERENCES rubric(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES indicator(id) ON DELETE CASCADE,
  code TEXT NOT NULL,              -- '1', '1.2', '1.2.3', 'B1', 'D2', 'V1'
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('area', 'item', 'bonus', 'deduction', 'veto')),
  sort INTEGER NOT NULL,           -- order among siblings
  max_points REAL,                 -- leaves of kind 'item'
  points REAL,                     -- per bonus claim / per deduction occurrence
  cap REAL,                        -- total cap of a bonus or deduction item
  effect TEXT,                     -- veto: 'grade:不合格' or 'cap:合格'
  guidance TEXT NOT NULL DEFAULT '', -- 评分标准
  keywords TEXT NOT NULL DEFAULT '[]', -- JSON array of phrases that show where a report addresses it
  applies_to TEXT,                 -- JSON array of unit kind codes; NULL = all kinds
  UNIQUE (rubric_id, code)
);
CREATE INDEX indicator_tree ON indicator(rubric_id, parent_id, sort);

-- An assessment cycle (one year's assessment) and its phase.
CREATE TABLE cycle (
  id INTEGER PRIMARY KEY,
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT 'draft'
    CHECK (phase IN ('draft', 'submission', 'review', 'publication', 'closed')),
  rubric_id INTEGER REFERENCES rubric(id),
  submission_deadline INTEGER,
  review_deadline INTEGER,
  published_at INTEGER,
  appeal_deadline INTEGER,
  settings TEXT NOT NULL DEFAULT '{}', -- JSON: aggregation method, visibility, blind mode, ...
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX cycle_year ON cycle(year);

-- The units taking part in a cycle.
CREATE TABLE cycle_unit (
  cycle_id INTEGER NOT NULL REFERENCES cycle(id) ON DELETE CASCADE,
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  late_upload_until INTEGER,        -- an admin's permission to upload after the deadline
  PRIMARY KEY (cycle_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX cycle_unit_unit ON cycle_unit(unit_id, cycle_id);

-- An indicator that does not apply to one unit in one cycle (beyond applies_to by kind).
CREATE TABLE indicator_na (
  cycle_id INTEGER NOT NULL REFERENCES cycle(id) ON DELETE CASCADE,
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  indicator_id INTEGER NOT NULL REFERENCES indicator(id),
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (cycle_id, unit_id, indicator_id)
) WITHOUT ROWID;

-- A stored file in the content-addressed store (DATA_DIR/store/ab/cdef...). Bytes never live
-- in SQLite.
CREATE TABLE blob (
  sha256 TEXT PRIMARY KEY,         -- lowercase hex; also the file's path in the store
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One version of a unit's report in a cycle; the highest version is current.
CREATE TABLE report (
  id INTEGER PRIMARY KEY,
  cycle_id INTEGER NOT NULL REFERENCES cycle(id),
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL REFERENCES blob(sha256),
  filename TEXT NOT NULL,          -- as uploaded
  format TEXT NOT NULL,            -- 'txt', 'docx', 'pdf', ... as detected from the content
  size INTEGER NOT NULL,
  uploaded_by INTEGER REFERENCES user(id),
  uploaded_at INTEGER NOT NULL,
  late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
  text TEXT,                       -- extracted text, NULL until extracted
  sections TEXT NOT NULL DEFAULT '[]', -- JSON: detected parts with offsets
  warnings TEXT NOT NULL DEFAULT '[]', -- JSON: structure-check and extraction warnings
  UNIQUE (cycle_id, unit_id, version)
);
CREATE INDEX report_unit ON report(unit_id, cycle_id);

-- A reviewer's (or, for kind 'self', a unit's own) score sheet for one unit in a cycle.
CREATE TABLE assignment (
  id INTEGER PRIMARY KEY,
  cycle_id INTEGER NOT NULL REFERENCES cycle(id),
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  user_id INTEGER NOT NULL REFERENCES user(id),
  kind TEXT NOT NULL DEFAULT 'review' CHECK (kind IN ('review', 'self')),
  status TEXT NOT NULL DEFAULT 'assigned'
    CHECK (status IN ('assigned', 'in_progress', 'submitted', 'recused')),
  sheet_version INTEGER NOT NULL DEFAULT 0, -- optimistic concurrency for the score sheet
  submitted_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (cycle_id, unit_id, user_id, kind)
);
CREATE INDEX assignment_user ON assignment(user_id, cycle_id, status);
CREATE INDEX assignment_cycle_status ON assignment(cycle_id, status);

-- A declared conflict of interest between a reviewer and a unit.
CREATE TABLE conflict (
  user_id INTEGER NOT NULL REFERENCES user(id),
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, unit_id)
) WITHOUT ROWID;

-- One indicator's score on one sheet.
CREATE TABLE score (
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  indicator_id INTEGER NOT NULL REFERENCES indicator(id),
  points REAL,                     -- NULL = not scored yet
  count INTEGER,                   -- deduction occurrences or bonus claims
  na INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
  veto INTEGER NOT NULL DEFAULT 0 CHECK (veto IN (0, 1)),
  comment TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (assignment_id, indicator_id)
) WITHOUT ROWID;

-- A passage of a report quoted as evidence for a score.
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  indicator_id INTEGER NOT NULL REFERENCES indicator(id),
  report_id INTEGER NOT NULL REFERENCES report(id),
  start_offset INTEGER NOT NULL,   -- character offsets into report.text
  end_offset INTEGER NOT NULL CHECK (end_offset >= start_offset),
  quote TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX evidence_sheet ON evidence(assignment_id, indicator_id);

-- A unit's appeal (复核) against indicators of its published result.
CREATE TABLE appeal (
  id INTEGER PRIMARY KEY,
  cycle_id INTEGER NOT NULL REFERENCES cycle(id),
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  indicator_id INTEGER REFERENCES indicator(id), -- NULL = the total
  reason TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_review', 'upheld', 'rejected')),
  created_by INTEGER NOT NULL REFERENCES user(id),
  created_at INTEGER NOT NULL,
  decided_by INTEGER REFERENCES user(id),
  decided_at INTEGER,
  outcome TEXT NOT NULL DEFAULT '{}' -- JSON: before/after per indicator, decision text
);
CREATE INDEX appeal_cycle ON appeal(cycle_id, unit_id);

-- The audit trail: one row per state change, hash-chained (hash = H(prev_hash || row)).
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  user_id INTEGER REFERENCES user(id),
  actor TEXT NOT NULL,             -- login, or 'cli' / 'system'
  action TEXT NOT NULL,            -- 'user.create', 'cycle.phase', ...
  object TEXT NOT NULL DEFAULT '', -- 'user:12', 'cycle:3', ...
  detail TEXT NOT NULL DEFAULT '{}', -- JSON
  client_addr TEXT NOT NULL DEFAULT '',
  prev_hash BLOB,
  hash BLOB
);
CREATE INDEX audit_object ON audit(object, id);
