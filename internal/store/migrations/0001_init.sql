-- Schema 1: vaults, generations, keys, the watch set, the sync cursor, UTXOs,
-- proposals with every PSBT collected, signatures, and the audit chain.
-- No private key, seed or mnemonic has a column here, by design.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE vaults (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	network    TEXT NOT NULL,
	hot_float  INTEGER NOT NULL DEFAULT 0 CHECK (hot_float >= 0),
	cold_above INTEGER NOT NULL DEFAULT 0 CHECK (cold_above >= 0),
	created_at TEXT NOT NULL
);

CREATE TABLE generations (
	id           INTEGER PRIMARY KEY,
	vault_id     INTEGER NOT NULL REFERENCES vaults(id),
	number       INTEGER NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('standby', 'cold', 'hot', 'retired')),
	threshold    INTEGER NOT NULL CHECK (threshold BETWEEN 1 AND 15),
	descriptor   TEXT NOT NULL,
	birthday     INTEGER NOT NULL,
	next_receive INTEGER NOT NULL DEFAULT 0,
	next_change  INTEGER NOT NULL DEFAULT 0,
	created_at   TEXT NOT NULL,
	UNIQUE (vault_id, number)
);
CREATE UNIQUE INDEX generations_one_cold ON generations(vault_id) WHERE state = 'cold';
CREATE UNIQUE INDEX generations_one_standby ON generations(vault_id) WHERE state = 'standby';

CREATE TABLE holders (
	generation_id INTEGER NOT NULL REFERENCES generations(id),
	position      INTEGER NOT NULL,
	name          TEXT NOT NULL,
	fingerprint   TEXT NOT NULL,
	origin_path   TEXT NOT NULL,
	xpub          TEXT NOT NULL,
	PRIMARY KEY (generation_id, position)
);

CREATE TABLE scripts (
	pk_script     BLOB PRIMARY KEY,
	generation_id INTEGER NOT NULL REFERENCES generations(id),
	chain         INTEGER NOT NULL,
	idx           INTEGER NOT NULL,
	used          INTEGER NOT NULL DEFAULT 0,
	UNIQUE (generation_id, chain, idx)
);

CREATE TABLE blocks (
	height INTEGER PRIMARY KEY,
	hash   TEXT NOT NULL
);

CREATE TABLE utxos (
	txid          TEXT NOT NULL,
	vout          INTEGER NOT NULL,
	value         INTEGER NOT NULL CHECK (value >= 0),
	pk_script     BLOB NOT NULL,
	generation_id INTEGER NOT NULL REFERENCES generations(id),
	chain         INTEGER NOT NULL,
	idx           INTEGER NOT NULL,
	height        INTEGER NOT NULL DEFAULT 0,
	block_hash    TEXT NOT NULL DEFAULT '',
	coinbase      INTEGER NOT NULL DEFAULT 0,
	prev_tx       BLOB NOT NULL,
	spent_by      TEXT NOT NULL DEFAULT '',
	spent_height  INTEGER NOT NULL DEFAULT 0,
	reserved_by   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (txid, vout)
);
CREATE INDEX utxos_generation ON utxos(generation_id);

CREATE TABLE proposals (
	id             TEXT PRIMARY KEY,
	vault_id       INTEGER NOT NULL REFERENCES vaults(id),
	generation_id  INTEGER NOT NULL REFERENCES generations(id),
	target_gen_id  INTEGER NOT NULL DEFAULT 0,
	kind           TEXT NOT NULL,
	state          TEXT NOT NULL,
	memo           TEXT NOT NULL DEFAULT '',
	fee            INTEGER NOT NULL,
	vsize          INTEGER NOT NULL,
	psbt           BLOB NOT NULL,
	txid           TEXT NOT NULL DEFAULT '',
	height         INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);

CREATE TABLE proposal_outputs (
	proposal_id   TEXT NOT NULL REFERENCES proposals(id),
	idx           INTEGER NOT NULL,
	value         INTEGER NOT NULL,
	address       TEXT NOT NULL,
	generation_id INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (proposal_id, idx)
);

CREATE TABLE proposal_psbts (
	id          INTEGER PRIMARY KEY,
	proposal_id TEXT NOT NULL REFERENCES proposals(id),
	source      TEXT NOT NULL,
	raw         BLOB NOT NULL,
	received_at TEXT NOT NULL
);

CREATE TABLE signatures (
	proposal_id TEXT NOT NULL REFERENCES proposals(id),
	input       INTEGER NOT NULL,
	pubkey      BLOB NOT NULL,
	fingerprint TEXT NOT NULL,
	signature   BLOB NOT NULL,
	verified_at TEXT NOT NULL,
	PRIMARY KEY (proposal_id, input, pubkey)
);

CREATE TABLE audit (
	seq            INTEGER PRIMARY KEY,
	time           TEXT NOT NULL,
	actor          TEXT NOT NULL,
	action         TEXT NOT NULL,
	payload        BLOB NOT NULL,
	payload_digest TEXT NOT NULL,
	prev_hash      TEXT NOT NULL,
	hash           TEXT NOT NULL
);
