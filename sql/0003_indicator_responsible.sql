-- 0003_indicator_responsible.sql: the units responsible for an indicator (责任单位), as a work
-- plan names them; kept when a rubric is drafted from such a plan.
ALTER TABLE indicator ADD COLUMN responsible TEXT NOT NULL DEFAULT '';
