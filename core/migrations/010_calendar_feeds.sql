-- Private calendar subscription feeds: one row per secret URL a user created.
-- Only the SHA-256 of the token is stored, so a copy of the database does not reveal feed URLs.
-- No foreign key to users: DuckDB refuses updates of referenced rows, and users rows change.
CREATE SEQUENCE seq_calendar_feed;
CREATE TABLE calendar_feeds (
    feed_id INTEGER PRIMARY KEY DEFAULT nextval('seq_calendar_feed'),
    username VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL UNIQUE,
    label VARCHAR NOT NULL,
    created_at_utc TIMESTAMP NOT NULL,
    revoked_at_utc TIMESTAMP
);
