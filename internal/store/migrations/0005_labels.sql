-- BIP-329 labels imported from other wallets (Sparrow, Specter, Nunchuk,
-- Liana) or set here, one per (type, ref). NULL label or spendable: the
-- record did not give it, so an export does not either.
CREATE TABLE labels (
	type       TEXT NOT NULL,
	ref        TEXT NOT NULL,
	label      TEXT,
	origin     TEXT,
	spendable  INTEGER,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (type, ref)
);
