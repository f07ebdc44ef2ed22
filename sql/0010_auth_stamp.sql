-- 0010_auth_stamp.sql: one number that changes whenever something a signed-in request's
-- identity is read from changes, whichever code changes it, so that sessions can be kept in
-- memory (server/session.c) and used only while they are still true: a session ended or
-- changed, an account renamed, moved, disabled or deleted, a unit's code or name changed.
-- The time a session was last seen is not part of it (the daemon writes that itself, and
-- keeps its copy in step). random(), as in 0009, so the number never comes back.

CREATE TABLE auth_stamp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  v INTEGER NOT NULL
);
INSERT INTO auth_stamp (id, v) VALUES (1, random());

CREATE TRIGGER auth_stamp_session_upd
AFTER UPDATE OF id, token_hash, user_id, csrf_token, expires_at ON session
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;
CREATE TRIGGER auth_stamp_session_del AFTER DELETE ON session
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;

CREATE TRIGGER auth_stamp_user_upd
AFTER UPDATE OF id, login, display_name, role, unit_id, must_change_pw, disabled ON user
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;
CREATE TRIGGER auth_stamp_user_del AFTER DELETE ON user
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;

CREATE TRIGGER auth_stamp_unit_upd AFTER UPDATE OF id, code, name ON unit
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;
CREATE TRIGGER auth_stamp_unit_del AFTER DELETE ON unit
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;
-- The daemon only moves last_seen forward; a change that moves it back (a tool making a
-- session idle) must count too.
CREATE TRIGGER auth_stamp_session_seen AFTER UPDATE OF last_seen ON session
WHEN NEW.last_seen < OLD.last_seen
BEGIN UPDATE auth_stamp SET v = random() WHERE id = 1; END;
