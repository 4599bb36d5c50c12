-- Login throttling that holds under parallel tries (see core/auth.py for the rules).
-- One row per counter: 'pair' = one account from one client, 'client' = one client over every
-- account, 'account' = one account from every client. Each attempt reads and updates its rows in
-- one transaction, serialised, before any password is checked.
CREATE TABLE login_throttle (
    scope VARCHAR NOT NULL CHECK (scope IN ('pair', 'client', 'account')),
    throttle_key VARCHAR NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    window_start_utc TIMESTAMP,
    locked_until_utc TIMESTAMP,
    lock_count INTEGER NOT NULL DEFAULT 0,
    last_failure_utc TIMESTAMP,
    PRIMARY KEY (scope, throttle_key)
);

-- Where an attempt came from and how it ended: 'ok', 'wrong', 'locked'.
ALTER TABLE login_attempts ADD COLUMN client VARCHAR;
ALTER TABLE login_attempts ADD COLUMN outcome VARCHAR;
