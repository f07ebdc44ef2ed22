-- 0004_rubric_versions.sql: every version of a rubric belongs to a family (the id of its first
-- version), numbered 1, 2, 3 ... within it; and a rubric freezes when the first score against
-- one of its indicators is stored, whichever code path stores it.
ALTER TABLE rubric ADD COLUMN family INTEGER REFERENCES rubric(id);
UPDATE rubric SET family = id WHERE family IS NULL;
CREATE INDEX rubric_family ON rubric(family, version);

-- A deduction item may be tied to one area (the code of a top-level area): it then comes off
-- that area's score and stops at zero there (扣完为止). NULL = it comes off the total.
ALTER TABLE indicator ADD COLUMN area_code TEXT;

CREATE TRIGGER score_freezes_rubric AFTER INSERT ON score
BEGIN
  UPDATE rubric SET frozen = 1
   WHERE frozen = 0 AND id = (SELECT rubric_id FROM indicator WHERE id = NEW.indicator_id);
END;

CREATE TRIGGER score_moved_freezes_rubric AFTER UPDATE OF indicator_id ON score
BEGIN
  UPDATE rubric SET frozen = 1
   WHERE frozen = 0 AND id = (SELECT rubric_id FROM indicator WHERE id = NEW.indicator_id);
END;

-- The indicators of a frozen rubric never change: scores and evidence point at them.
CREATE TRIGGER frozen_indicator_update BEFORE UPDATE ON indicator
WHEN (SELECT frozen FROM rubric WHERE id = OLD.rubric_id) = 1
BEGIN
  SELECT RAISE(ABORT, 'rubric is frozen');
END;

CREATE TRIGGER frozen_indicator_delete BEFORE DELETE ON indicator
WHEN (SELECT frozen FROM rubric WHERE id = OLD.rubric_id) = 1
BEGIN
  SELECT RAISE(ABORT, 'rubric is frozen');
END;
