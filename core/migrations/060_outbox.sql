-- The outbox: every message the dashboard sends is queued here in the same transaction as the
-- change that causes it, then delivered by a sender outside the page script (core/outbox.py).
-- The unique key makes a message impossible to queue twice: one invitation per event, person and
-- SEQUENCE; one confirmation per registration and change (occasion: the change's time).
-- No foreign keys: DuckDB cannot update a row (an event's SEQUENCE) that another table references.
CREATE SEQUENCE seq_outbox;
CREATE TABLE outbox (
    message_id INTEGER PRIMARY KEY DEFAULT nextval('seq_outbox'),
    kind VARCHAR NOT NULL,
    event_id INTEGER NOT NULL DEFAULT 0,
    ref_id INTEGER NOT NULL DEFAULT 0,
    recipient VARCHAR NOT NULL,
    recipient_name VARCHAR,
    recipient_role VARCHAR,
    recipient_tz VARCHAR,
    lang VARCHAR NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr', 'es')),
    sequence INTEGER NOT NULL DEFAULT 0,
    occasion VARCHAR NOT NULL DEFAULT '',
    status VARCHAR NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_utc TIMESTAMP NOT NULL,
    claimed_by VARCHAR,
    claimed_at_utc TIMESTAMP,
    last_error VARCHAR,
    subject VARCHAR,
    created_at_utc TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    sent_at_utc TIMESTAMP,
    UNIQUE (kind, event_id, ref_id, recipient, sequence, occasion)
);

-- Per person (by e-mail address: users, focal points and participants alike): the language of
-- the messages they receive and whether they want reminders.
CREATE TABLE mail_preferences (
    email VARCHAR PRIMARY KEY,
    lang VARCHAR NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr', 'es')),
    reminders BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at_utc TIMESTAMP NOT NULL
);
