-- The zone a person chose to see times in (an IANA name); empty means "my browser's zone".
ALTER TABLE users ADD COLUMN viewer_tz VARCHAR;
