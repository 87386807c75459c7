-- Migration 9: no planner statistics on vectors.

ALTER TABLE memories ALTER COLUMN embedding SET STATISTICS 0, ALTER COLUMN next_embedding SET STATISTICS 0;
