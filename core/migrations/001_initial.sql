-- Initial schema of the Champions action-plan dashboard.
-- Times are stored as naive TIMESTAMPs in UTC (columns named *_utc); the IANA zone an event
-- belongs to is stored beside it, so local times are always computed, never stored.

CREATE TABLE countries (
    m49 INTEGER PRIMARY KEY,
    iso2 VARCHAR,
    iso3 VARCHAR NOT NULL UNIQUE,
    name_en VARCHAR NOT NULL,
    name_fr VARCHAR,
    name_es VARCHAR,
    region VARCHAR,
    sub_region VARCHAR,
    intermediate_region VARCHAR,
    is_un_member BOOLEAN NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION
);

CREATE TABLE groupings (
    grouping_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    derived BOOLEAN NOT NULL,
    rule VARCHAR NOT NULL
);

CREATE TABLE grouping_members (
    grouping_id VARCHAR NOT NULL REFERENCES groupings (grouping_id),
    m49 INTEGER NOT NULL REFERENCES countries (m49),
    group_name VARCHAR NOT NULL,
    PRIMARY KEY (grouping_id, m49)
);

CREATE TABLE agencies (
    agency_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    is_ec_member BOOLEAN NOT NULL,
    source VARCHAR NOT NULL
);

CREATE TABLE workstreams (
    workstream_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('core_working_group', 'thematic')),
    source VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE workstream_leads (
    workstream_id VARCHAR NOT NULL REFERENCES workstreams (workstream_id),
    agency_id VARCHAR NOT NULL REFERENCES agencies (agency_id),
    PRIMARY KEY (workstream_id, agency_id)
);

CREATE TABLE champions (
    m49 INTEGER PRIMARY KEY REFERENCES countries (m49),
    joined_on DATE,
    joined_precision VARCHAR NOT NULL CHECK (joined_precision IN ('day', 'month', 'by', 'unknown')),
    source VARCHAR NOT NULL,
    capital_tz VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('active', 'inactive')),
    notes VARCHAR,
    CHECK ((joined_precision = 'unknown') = (joined_on IS NULL))
);

CREATE SEQUENCE seq_cochair;
CREATE TABLE cochair_terms (
    term_id INTEGER PRIMARY KEY DEFAULT nextval('seq_cochair'),
    m49 INTEGER NOT NULL REFERENCES champions (m49),
    starts_on DATE,
    ends_on DATE,
    note VARCHAR,
    source VARCHAR NOT NULL,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);

CREATE SEQUENCE seq_focal;
CREATE TABLE focal_points (
    focal_id INTEGER PRIMARY KEY DEFAULT nextval('seq_focal'),
    m49 INTEGER NOT NULL REFERENCES champions (m49),
    name VARCHAR NOT NULL,
    email VARCHAR,
    title VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE SEQUENCE seq_product;
CREATE TABLE products (
    product_id INTEGER PRIMARY KEY DEFAULT nextval('seq_product'),
    workstream_id VARCHAR NOT NULL REFERENCES workstreams (workstream_id),
    title_en VARCHAR NOT NULL,
    title_fr VARCHAR,
    title_es VARCHAR,
    kind VARCHAR NOT NULL,
    lead_agencies VARCHAR,
    stage VARCHAR NOT NULL CHECK (stage IN ('planned', 'drafting', 'consultation', 'revision',
        'translation', 'validation', 'launched', 'on_hold', 'cancelled')),
    needs_consultation BOOLEAN NOT NULL DEFAULT TRUE,
    required_languages VARCHAR NOT NULL DEFAULT 'en,fr,es',
    planned_launch DATE,
    actual_launch DATE,
    description VARCHAR,
    source VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE product_stage_dates (
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    stage VARCHAR NOT NULL,
    planned_start DATE,
    planned_end DATE,
    actual_start DATE,
    actual_end DATE,
    PRIMARY KEY (product_id, stage)
);

CREATE TABLE product_languages (
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    lang VARCHAR NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    status VARCHAR NOT NULL CHECK (status IN ('not_started', 'in_translation', 'ready', 'published')),
    PRIMARY KEY (product_id, lang)
);

CREATE SEQUENCE seq_link;
CREATE TABLE product_links (
    link_id INTEGER PRIMARY KEY DEFAULT nextval('seq_link'),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    label VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    lang VARCHAR
);

CREATE SEQUENCE seq_stage_history;
CREATE TABLE product_stage_history (
    history_id INTEGER PRIMARY KEY DEFAULT nextval('seq_stage_history'),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    from_stage VARCHAR,
    to_stage VARCHAR NOT NULL,
    changed_at_utc TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
);

CREATE SEQUENCE seq_consultation;
CREATE TABLE consultations (
    consultation_id INTEGER PRIMARY KEY DEFAULT nextval('seq_consultation'),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    channel VARCHAR,
    note VARCHAR,
    CHECK (closes_on >= opens_on)
);

CREATE TABLE consultation_invites (
    consultation_id INTEGER NOT NULL REFERENCES consultations (consultation_id),
    m49 INTEGER NOT NULL REFERENCES champions (m49),
    PRIMARY KEY (consultation_id, m49)
);

CREATE SEQUENCE seq_feedback;
CREATE TABLE feedback (
    feedback_id INTEGER PRIMARY KEY DEFAULT nextval('seq_feedback'),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    m49 INTEGER NOT NULL REFERENCES champions (m49),
    received_on DATE NOT NULL,
    lang VARCHAR NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    channel VARCHAR NOT NULL CHECK (channel IN ('meeting', 'hub', 'written')),
    summary VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE SEQUENCE seq_event;
CREATE TABLE events (
    event_id INTEGER PRIMARY KEY DEFAULT nextval('seq_event'),
    uid VARCHAR NOT NULL UNIQUE,
    title VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    audience VARCHAR NOT NULL CHECK (audience IN ('champions', 'open', 'internal')),
    workstream_id VARCHAR REFERENCES workstreams (workstream_id),
    starts_utc TIMESTAMP NOT NULL,
    ends_utc TIMESTAMP NOT NULL,
    tz VARCHAR NOT NULL,
    all_day BOOLEAN NOT NULL DEFAULT FALSE,
    location VARCHAR,
    description VARCHAR,
    rrule VARCHAR,
    exdates VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'tentative', 'cancelled')),
    sequence INTEGER NOT NULL DEFAULT 0,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    quota_per_country_agency INTEGER NOT NULL DEFAULT 1 CHECK (quota_per_country_agency > 0),
    open_to_non_champions BOOLEAN NOT NULL DEFAULT FALSE,
    source VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_by VARCHAR,
    updated_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (ends_utc > starts_utc)
);

-- Join details live apart from events so that no query of events can leak them by accident.
CREATE TABLE event_join_details (
    event_id INTEGER PRIMARY KEY REFERENCES events (event_id),
    url VARCHAR,
    meeting_number VARCHAR,
    password VARCHAR,
    dial_in VARCHAR
);

CREATE TABLE event_invitees (
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    m49 INTEGER NOT NULL REFERENCES countries (m49),
    PRIMARY KEY (event_id, m49)
);

CREATE TABLE event_products (
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    PRIMARY KEY (event_id, product_id)
);

CREATE SEQUENCE seq_agenda;
CREATE TABLE agenda_items (
    item_id INTEGER PRIMARY KEY DEFAULT nextval('seq_agenda'),
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    starts_utc TIMESTAMP NOT NULL,
    ends_utc TIMESTAMP NOT NULL,
    title VARCHAR NOT NULL,
    presenter VARCHAR,
    moderator VARCHAR,
    product_id INTEGER REFERENCES products (product_id),
    booking_id INTEGER,
    CHECK (ends_utc > starts_utc)
);

CREATE SEQUENCE seq_material;
CREATE TABLE materials (
    material_id INTEGER PRIMARY KEY DEFAULT nextval('seq_material'),
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    title VARCHAR NOT NULL,
    lang VARCHAR NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    url VARCHAR
);

CREATE SEQUENCE seq_registration;
CREATE TABLE registrations (
    registration_id INTEGER PRIMARY KEY DEFAULT nextval('seq_registration'),
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    participant_name VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    m49 INTEGER REFERENCES countries (m49),
    organisation VARCHAR,
    category VARCHAR NOT NULL CHECK (category IN ('champion_delegate', 'ec_listening', 'presenter',
        'observer', 'network_member')),
    agency_id VARCHAR REFERENCES agencies (agency_id),
    status VARCHAR NOT NULL CHECK (status IN ('requested', 'confirmed', 'waitlisted', 'cancelled', 'attended')),
    created_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (event_id, email)
);

-- A row per held quota seat: the primary key makes "at most N per country per agency" a
-- database constraint that holds under simultaneous requests.
CREATE TABLE quota_seats (
    event_id INTEGER NOT NULL,
    m49 INTEGER NOT NULL,
    agency_id VARCHAR NOT NULL,
    seat_no INTEGER NOT NULL,
    registration_id INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (event_id, m49, agency_id, seat_no)
);

-- A row per occupied place, numbered 1..capacity: same idea for the total capacity.
CREATE TABLE capacity_seats (
    event_id INTEGER NOT NULL,
    seat_no INTEGER NOT NULL,
    registration_id INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (event_id, seat_no)
);

CREATE TABLE attendance (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (registration_id),
    joined_utc TIMESTAMP,
    left_utc TIMESTAMP,
    minutes INTEGER,
    source VARCHAR NOT NULL
);

CREATE TABLE office_support (
    event_id INTEGER NOT NULL REFERENCES events (event_id),
    agency_id VARCHAR NOT NULL REFERENCES agencies (agency_id),
    m49 INTEGER NOT NULL REFERENCES countries (m49),
    note VARCHAR,
    PRIMARY KEY (event_id, agency_id, m49)
);

CREATE SEQUENCE seq_engagement;
CREATE TABLE engagements (
    engagement_id INTEGER PRIMARY KEY DEFAULT nextval('seq_engagement'),
    m49 INTEGER NOT NULL REFERENCES countries (m49),
    occurred_on DATE NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('meeting', 'feedback', 'hub', 'bilateral', 'peer_learning')),
    workstream_id VARCHAR REFERENCES workstreams (workstream_id),
    product_id INTEGER REFERENCES products (product_id),
    event_id INTEGER REFERENCES events (event_id),
    partner_m49 INTEGER REFERENCES countries (m49),
    note VARCHAR,
    source VARCHAR NOT NULL CHECK (source IN ('manual', 'attendance', 'feedback')),
    source_ref VARCHAR UNIQUE,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_by VARCHAR
);

CREATE SEQUENCE seq_slot;
CREATE TABLE slots (
    slot_id INTEGER PRIMARY KEY DEFAULT nextval('seq_slot'),
    event_id INTEGER REFERENCES events (event_id),
    starts_utc TIMESTAMP NOT NULL,
    ends_utc TIMESTAMP NOT NULL,
    tz VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'withdrawn')),
    created_by VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (ends_utc > starts_utc)
);

CREATE SEQUENCE seq_booking;
CREATE TABLE bookings (
    booking_id INTEGER PRIMARY KEY DEFAULT nextval('seq_booking'),
    slot_id INTEGER NOT NULL REFERENCES slots (slot_id),
    workstream_id VARCHAR NOT NULL REFERENCES workstreams (workstream_id),
    requested_by VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    product_id INTEGER REFERENCES products (product_id),
    status VARCHAR NOT NULL CHECK (status IN ('requested', 'confirmed', 'declined', 'withdrawn')),
    created_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    decided_by VARCHAR,
    decided_at_utc TIMESTAMP,
    decision_note VARCHAR,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE booking_targets (
    booking_id INTEGER NOT NULL REFERENCES bookings (booking_id),
    m49 INTEGER NOT NULL REFERENCES countries (m49),
    PRIMARY KEY (booking_id, m49)
);

-- One row per confirmed slot: the key makes "no slot is booked twice" a constraint.
CREATE TABLE slot_confirmations (
    slot_id INTEGER PRIMARY KEY,
    booking_id INTEGER NOT NULL UNIQUE
);

CREATE TABLE users (
    username VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('admin', 'secretariat', 'ec_member', 'workstream_lead', 'viewer')),
    agency_id VARCHAR REFERENCES agencies (agency_id),
    workstream_id VARCHAR REFERENCES workstreams (workstream_id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    is_demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (role <> 'ec_member' OR agency_id IS NOT NULL),
    CHECK (role <> 'workstream_lead' OR workstream_id IS NOT NULL)
);

-- Kept apart from users: DuckDB rewrites a row on update and users is referenced by nothing,
-- but the login bookkeeping changes on every attempt.
CREATE TABLE user_sessions (
    username VARCHAR PRIMARY KEY,
    valid_after_utc TIMESTAMP NOT NULL
);

CREATE TABLE login_attempts (
    username VARCHAR NOT NULL,
    at_utc TIMESTAMP NOT NULL,
    success BOOLEAN NOT NULL
);

CREATE SEQUENCE seq_audit;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('seq_audit'),
    at_utc TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id VARCHAR,
    before_json VARCHAR,
    after_json VARCHAR
);

CREATE TABLE app_settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
