-- Schema 7: standby proofs. Each row is a holder's verified signature, made
-- with their key in a generation, proving they can sign for it (treasury key
-- prove, treasury vault prove). A cold spend pays into a standby only once M
-- of its holders have a row here. The proof file is kept verbatim so it can
-- be checked again; rows are never updated.

CREATE TABLE standby_proofs (
	id            INTEGER PRIMARY KEY,
	generation_id INTEGER NOT NULL REFERENCES generations(id),
	fingerprint   TEXT NOT NULL,
	holder        TEXT NOT NULL,
	origin_path   TEXT NOT NULL,
	signed_at     TEXT NOT NULL,
	recorded_at   TEXT NOT NULL,
	proof         BLOB NOT NULL,
	UNIQUE (generation_id, fingerprint, signed_at)
);
CREATE INDEX standby_proofs_generation ON standby_proofs(generation_id);
