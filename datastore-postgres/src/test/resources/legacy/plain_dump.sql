--
-- PostgreSQL database dump (plain format, as pg_dump -Fp writes it)
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
\restrict abc123

CREATE SCHEMA legacy;

CREATE FUNCTION legacy.shout(t text) RETURNS text
    LANGUAGE plpgsql
    AS $_$
BEGIN
  -- a comment with a ; inside
  RETURN upper(t) || '; !';
END;
$_$;

/* a block /* nested */ comment; with semicolons */
CREATE TABLE legacy.notes (
    id integer NOT NULL,
    body text,
    tag text DEFAULT 'it''s; fine'::text,
    esc text DEFAULT E'tab\tquote\'s; ok'
);

CREATE SEQUENCE legacy.notes_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE legacy.notes_id_seq OWNED BY legacy.notes.id;
ALTER TABLE ONLY legacy.notes ALTER COLUMN id SET DEFAULT nextval('legacy.notes_id_seq'::regclass);

COPY legacy.notes (id, body, tag, esc) FROM stdin;
1	hello	a	b
2	multi\nline\twith tab	\N	x
3	semi; colon -- not a comment	$$	y
\.

SELECT pg_catalog.setval('legacy.notes_id_seq', 3, true);

ALTER TABLE ONLY legacy.notes
    ADD CONSTRAINT notes_pkey PRIMARY KEY (id);

\unrestrict abc123
--
-- PostgreSQL database dump complete
--
