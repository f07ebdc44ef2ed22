-- 0008_results_stamp.sql: a number that changes whenever anything a cycle's results are
-- computed from changes, so computed results can be kept (server/results_cache.c) and
-- recomputed only when they are stale.
-- What results are computed from (server/results_db.c): the cycle's rubric and settings, its
-- units (code, name, kind), the rubric (rules, bands) and its indicators, the office's N/A
-- marks, the submitted review sheets and their scores, the reviewers' logins, and the upheld
-- appeals. Every write that can change one of those bumps results_stamp.n, whichever code
-- makes it; writes that cannot (a draft sheet's scores, comments, sessions, audit, reports)
-- do not, so reviewers saving drafts never invalidate the computed results.

CREATE TABLE results_stamp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO results_stamp (id, n) VALUES (1, 1);

CREATE TRIGGER results_stamp_cycle AFTER UPDATE OF rubric_id, settings ON cycle
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_cycle_del AFTER DELETE ON cycle
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_cu_ins AFTER INSERT ON cycle_unit
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_cu_del AFTER DELETE ON cycle_unit
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_unit AFTER UPDATE OF code, name, kind ON unit
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_user AFTER UPDATE OF login ON user
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_rubric AFTER UPDATE OF total_points, rules, grade_bands ON rubric
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_ind_ins AFTER INSERT ON indicator
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_ind_upd AFTER UPDATE ON indicator
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_ind_del AFTER DELETE ON indicator
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_na_ins AFTER INSERT ON indicator_na
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_na_upd AFTER UPDATE ON indicator_na
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_na_del AFTER DELETE ON indicator_na
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_appeal_ins AFTER INSERT ON appeal WHEN NEW.status = 'upheld'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_appeal_upd
AFTER UPDATE OF cycle_id, unit_id, indicator_id, status, outcome, decided_at ON appeal
WHEN OLD.status = 'upheld' OR NEW.status = 'upheld'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_appeal_del AFTER DELETE ON appeal WHEN OLD.status = 'upheld'
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_asg_ins AFTER INSERT ON assignment WHEN NEW.status = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_asg_upd
AFTER UPDATE OF cycle_id, unit_id, user_id, kind, status ON assignment
WHEN OLD.status = 'submitted' OR NEW.status = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_asg_del AFTER DELETE ON assignment WHEN OLD.status = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;

CREATE TRIGGER results_stamp_score_ins AFTER INSERT ON score
WHEN (SELECT status FROM assignment WHERE id = NEW.assignment_id) = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_score_upd
AFTER UPDATE OF assignment_id, indicator_id, points, count, na, veto ON score
WHEN (SELECT status FROM assignment WHERE id = OLD.assignment_id) = 'submitted'
  OR (SELECT status FROM assignment WHERE id = NEW.assignment_id) = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;
CREATE TRIGGER results_stamp_score_del AFTER DELETE ON score
WHEN (SELECT status FROM assignment WHERE id = OLD.assignment_id) = 'submitted'
BEGIN UPDATE results_stamp SET n = n + 1; END;
