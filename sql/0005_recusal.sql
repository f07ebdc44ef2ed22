-- 0005_recusal.sql: what a recusal and a reopened sheet leave behind.
-- * assignment.recuse_reason / recused_at / recused_by: why, when and by whom (the reviewer, or
--   the admin declaring a conflict for them) a review sheet was set to 'recused'. The sheet's
--   scores stay for the record; recused sheets are never counted.
-- * assignment_reopen: every time the office sent a submitted sheet (review or self) back to
--   its author, with the reason; the audit trail has the same as 'assignment.reopen' rows.
-- * conflict.created_by: who declared it (the reviewer, or an admin for them).

ALTER TABLE assignment ADD COLUMN recuse_reason TEXT;
ALTER TABLE assignment ADD COLUMN recused_at INTEGER;
ALTER TABLE assignment ADD COLUMN recused_by INTEGER REFERENCES user(id);

ALTER TABLE conflict ADD COLUMN created_by INTEGER REFERENCES user(id);

CREATE TABLE assignment_reopen (
  id INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL REFERENCES assignment(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  reopened_by INTEGER REFERENCES user(id),
  reopened_at INTEGER NOT NULL,
  submitted_at INTEGER,            -- when the sheet had been submitted
  version INTEGER NOT NULL         -- the sheet's version after reopening
);
CREATE INDEX assignment_reopen_sheet ON assignment_reopen(assignment_id, id);
