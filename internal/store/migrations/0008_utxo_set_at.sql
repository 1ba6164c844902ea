-- Schema 8: a generation imported from the node's UTXO set (treasury vault
-- create/import --from-utxo-set) records the height of that snapshot. Its
-- history between the birthday and that height was not scanned block by
-- block: what it held then was read from the UTXO set, and sync scans on
-- from the next block. 0: the history is scanned from the birthday.
ALTER TABLE generations ADD COLUMN utxo_set_at INTEGER NOT NULL DEFAULT 0 CHECK (utxo_set_at >= 0);
