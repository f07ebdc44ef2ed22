-- 0007_scale.sql: indexes for national-scale cycles (50,000 units, 150,000 sheets).
-- * assignment_unit: a unit's sheets in a cycle by status. Without it the planner may pick
--   assignment_cycle_status (cycle_id, status) for "a.cycle_id = ? AND a.unit_id = ? AND
--   a.status = ?" and walk every submitted sheet of the cycle for each unit: the detail export
--   of a 50,000-unit cycle ran for more than ten minutes that way.

CREATE INDEX assignment_unit ON assignment(cycle_id, unit_id, status);
