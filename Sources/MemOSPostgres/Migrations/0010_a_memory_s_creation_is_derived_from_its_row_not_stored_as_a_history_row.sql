-- Migration 10: a memory's creation is derived from its row, not stored as a history row.

DELETE FROM memory_history WHERE action = 'add';
