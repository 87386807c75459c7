-- Migration 15: the tool side of a stored conversation turn (an assistant's tool calls, a "tool" turn's answer to
-- one), so that an asynchronous add's extraction pairs calls and answers as a synchronous one does.

ALTER TABLE messages ADD COLUMN tool jsonb;
