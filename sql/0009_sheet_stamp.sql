-- 0009_sheet_stamp.sql: a number on every sheet that changes whenever one of its score or
-- evidence rows is written, whichever code writes it, so that the text of a sheet's items and
-- total can be kept in memory (server/sheet_cache.c) and used only while it is still true.
-- The number is random(), not a counter: a deleted sheet whose id comes back with a new sheet
-- must not meet its old number again. 0 means "no score or evidence row was ever written
-- since this migration", which is only true of sheets without such rows. (Two statements
-- rather than "id IN (OLD…, NEW…)": an IN list costs a temporary index on every save.)

ALTER TABLE assignment ADD COLUMN body_stamp INTEGER NOT NULL DEFAULT 0;
UPDATE assignment SET body_stamp = random();

CREATE TRIGGER sheet_stamp_score_ins AFTER INSERT ON score
BEGIN UPDATE assignment SET body_stamp = random() WHERE id = NEW.assignment_id; END;
CREATE TRIGGER sheet_stamp_score_upd AFTER UPDATE ON score
BEGIN
  UPDATE assignment SET body_stamp = random() WHERE id = NEW.assignment_id;
  UPDATE assignment SET body_stamp = random()
   WHERE id = OLD.assignment_id AND OLD.assignment_id <> NEW.assignment_id;
END;
CREATE TRIGGER sheet_stamp_score_del AFTER DELETE ON score
BEGIN UPDATE assignment SET body_stamp = random() WHERE id = OLD.assignment_id; END;

CREATE TRIGGER sheet_stamp_evidence_ins AFTER INSERT ON evidence
BEGIN UPDATE assignment SET body_stamp = random() WHERE id = NEW.assignment_id; END;
CREATE TRIGGER sheet_stamp_evidence_upd AFTER UPDATE ON evidence
BEGIN
  UPDATE assignment SET body_stamp = random() WHERE id = NEW.assignment_id;
  UPDATE assignment SET body_stamp = random()
   WHERE id = OLD.assignment_id AND OLD.assignment_id <> NEW.assignment_id;
END;
CREATE TRIGGER sheet_stamp_evidence_del AFTER DELETE ON evidence
BEGIN UPDATE assignment SET body_stamp = random() WHERE id = OLD.assignment_id; END;
