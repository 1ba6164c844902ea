-- Schema 4: a durable marker that a proposal's broadcast is in flight. It is
-- set in the same transaction that records the intent to send and cleared
-- when the send's outcome is recorded; while it is set, no other process may
-- cancel the proposal or call it dropped. Empty: no send in flight.
ALTER TABLE proposals ADD COLUMN sending_since TEXT NOT NULL DEFAULT '';
