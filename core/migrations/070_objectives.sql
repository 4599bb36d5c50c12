-- Which of the 23 objectives of the Global Compact (A/RES/73/195, paragraph 16) a product, an
-- event, an agenda item, a consultation or a Champion's engagement serves. The objectives
-- themselves are reference data read from data/gcm_objectives.csv; a number is checked here.
-- No foreign key to the tagged row: DuckDB refuses to delete or rewrite a referenced row, and
-- the stores that delete events, agenda items and engagements do not know these tables; reads
-- join to the tagged table, so a tag whose row is gone is never shown.

CREATE TABLE product_objectives (
    product_id INTEGER NOT NULL,
    objective INTEGER NOT NULL CHECK (objective BETWEEN 1 AND 23),
    PRIMARY KEY (product_id, objective)
);

CREATE TABLE event_objectives (
    event_id INTEGER NOT NULL,
    objective INTEGER NOT NULL CHECK (objective BETWEEN 1 AND 23),
    PRIMARY KEY (event_id, objective)
);

CREATE TABLE agenda_item_objectives (
    item_id INTEGER NOT NULL,
    objective INTEGER NOT NULL CHECK (objective BETWEEN 1 AND 23),
    PRIMARY KEY (item_id, objective)
);

CREATE TABLE consultation_objectives (
    consultation_id INTEGER NOT NULL,
    objective INTEGER NOT NULL CHECK (objective BETWEEN 1 AND 23),
    PRIMARY KEY (consultation_id, objective)
);

CREATE TABLE engagement_objectives (
    engagement_id INTEGER NOT NULL,
    objective INTEGER NOT NULL CHECK (objective BETWEEN 1 AND 23),
    PRIMARY KEY (engagement_id, objective)
);
