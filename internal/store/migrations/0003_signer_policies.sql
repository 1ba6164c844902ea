-- Schema 3: the signers' spending policy a vault's coordinator mirrors
-- (allowlist with delays, per-transaction and daily caps), as JSON, so that
-- propose refuses what the holders' key files would refuse.

CREATE TABLE signer_policies (
	vault_id INTEGER PRIMARY KEY REFERENCES vaults(id),
	policy   TEXT NOT NULL
);
