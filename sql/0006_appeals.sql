-- 0006_appeals.sql: what an appeal (复核) needs beyond the appeal table of 0001.
-- * appeal_group: the appeals a unit filed together, with the overall reason; its evidence
--   (appeal_evidence) are passages of the unit's report at filing time, quoted like
--   evidence.quote (character offsets into report.text).
-- * appeal.group_id: the filing it belongs to.
-- * appeal.reviewer_id / assigned_by / assigned_at: the reviewer the office asked to look again.
-- * appeal.rescore_points / rescore_comment / rescored_at: that reviewer's re-review.
-- * appeal.outcome (from 0001) holds the decision: {"before","after","response","points"}.
-- * appeal_pending: at most one undecided appeal per unit and indicator of a cycle.

CREATE TABLE appeal_group (
  id INTEGER PRIMARY KEY,
  cycle_id INTEGER NOT NULL REFERENCES cycle(id),
  unit_id INTEGER NOT NULL REFERENCES unit(id),
  reason TEXT NOT NULL DEFAULT '',
  created_by INTEGER NOT NULL REFERENCES user(id),
  created_at INTEGER NOT NULL
);

CREATE TABLE appeal_evidence (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL REFERENCES appeal_group(id) ON DELETE CASCADE,
  report_id INTEGER NOT NULL REFERENCES report(id),
  start_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL CHECK (end_offset > start_offset),
  quote TEXT NOT NULL
);
CREATE INDEX appeal_evidence_group ON appeal_evidence(group_id, id);

ALTER TABLE appeal ADD COLUMN group_id INTEGER REFERENCES appeal_group(id);
ALTER TABLE appeal ADD COLUMN reviewer_id INTEGER REFERENCES user(id);
ALTER TABLE appeal ADD COLUMN assigned_by INTEGER REFERENCES user(id);
ALTER TABLE appeal ADD COLUMN assigned_at INTEGER;
ALTER TABLE appeal ADD COLUMN rescore_points REAL;
ALTER TABLE appeal ADD COLUMN rescore_comment TEXT;
ALTER TABLE appeal ADD COLUMN rescored_at INTEGER;

CREATE UNIQUE INDEX appeal_pending ON appeal(cycle_id, unit_id, indicator_id)
  WHERE status IN ('open', 'in_review');
CREATE INDEX appeal_reviewer ON appeal(reviewer_id, cycle_id);
