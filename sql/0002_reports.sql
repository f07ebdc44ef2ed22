-- 0002_reports.sql: report reading and search.
-- * report.current marks the newest version of a unit's report in a cycle (one per pair,
--   kept by server/reports.c in the same transaction as the upload), so listings and search
--   never need a max(version) subquery at national scale.
-- * report.info holds what was read from the text: title, year, unit name, length, headings.
-- * report.encoding: 'utf-8' or 'gb18030' for text files.
-- * report_fts indexes the text of current versions with kaoping's Chinese tokenizer (see
--   server/db.c); its content is read from report.text (external content table).
-- * cycle_unit.late_upload_until already exists (0001); uploads after the deadline are flagged
--   in report.late and their time is report.uploaded_at.

ALTER TABLE report ADD COLUMN current INTEGER NOT NULL DEFAULT 0 CHECK (current IN (0, 1));
ALTER TABLE report ADD COLUMN info TEXT NOT NULL DEFAULT '{}';
ALTER TABLE report ADD COLUMN encoding TEXT NOT NULL DEFAULT '';

UPDATE report SET current = 1
 WHERE version = (SELECT max(version) FROM report r2
                   WHERE r2.cycle_id = report.cycle_id AND r2.unit_id = report.unit_id);

CREATE UNIQUE INDEX report_current ON report(cycle_id, unit_id) WHERE current = 1;

CREATE VIRTUAL TABLE report_fts USING fts5(
  text,
  content = 'report',
  content_rowid = 'id',
  tokenize = 'kaoping'
);

INSERT INTO report_fts (rowid, text) SELECT id, text FROM report WHERE current = 1 AND text IS NOT NULL;
