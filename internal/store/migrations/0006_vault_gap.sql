-- Schema 6: the address gap is a per-vault setting (treasury vault policy
-- NAME --gap N): how many unused addresses past the last used one sync
-- watches on each chain of each generation. 20 is what wallets scan by
-- default (BIP-44).
ALTER TABLE vaults ADD COLUMN gap INTEGER NOT NULL DEFAULT 20 CHECK (gap BETWEEN 1 AND 10000);
