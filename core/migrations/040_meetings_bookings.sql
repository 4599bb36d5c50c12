-- Meetings and slot booking: constraints that keep the booking rules true under simultaneous requests.

-- One active request (requested or confirmed) per slot: the first request holds the slot until the
-- Secretariat declines it or the workstream withdraws it.
CREATE TABLE slot_holds (
    slot_id INTEGER PRIMARY KEY,
    booking_id INTEGER NOT NULL UNIQUE
);

-- One row per 5-minute unit of a meeting taken by a confirmed booking: the key makes
-- "no two confirmed bookings overlap in one meeting" a constraint.
CREATE TABLE booking_occupancy (
    event_id INTEGER NOT NULL,
    unit BIGINT NOT NULL,
    booking_id INTEGER NOT NULL,
    PRIMARY KEY (event_id, unit)
);

-- Who was given an off-hours time by the slot finder, so later proposals rotate the burden.
CREATE SEQUENCE seq_offhours;
CREATE TABLE offhours_history (
    offhours_id INTEGER PRIMARY KEY DEFAULT nextval('seq_offhours'),
    m49 INTEGER NOT NULL,
    starts_utc TIMESTAMP NOT NULL,
    minutes_off INTEGER NOT NULL CHECK (minutes_off > 0),
    label VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at_utc TIMESTAMP NOT NULL
);
