-- Fee bumps: a proposal that replaces a broadcast one (BIP-125). Once
-- either confirms, the others of its family are marked replaced.
CREATE TABLE proposal_replacements (
	proposal_id TEXT PRIMARY KEY REFERENCES proposals(id),
	replaces    TEXT NOT NULL REFERENCES proposals(id),
	created_at  TEXT NOT NULL
);
CREATE INDEX proposal_replacements_replaces ON proposal_replacements(replaces);
