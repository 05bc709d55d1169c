-- Schema of shop.customers, written by the maintenance postgres plugin (maintenance.postgres.table v1).
-- Data is in the matching _postgres.json artifact.
SET search_path = pg_catalog;

CREATE TYPE shop.kind AS ENUM ('a', 'b');

CREATE SEQUENCE shop.customers_id_seq AS integer INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE;

CREATE TABLE "shop"."customers" (
  "id" integer DEFAULT nextval('shop.customers_id_seq'::regclass) NOT NULL,
  "name" text NOT NULL,
  "kind" shop.kind,
  "avatar" bytea,
  "joined" timestamp with time zone
);

ALTER TABLE ONLY "shop"."customers" ADD CONSTRAINT "customers_pkey" PRIMARY KEY (id);

ALTER SEQUENCE shop.customers_id_seq OWNED BY "shop"."customers"."id";

SELECT setval(pg_get_serial_sequence('"shop"."customers"', 'id'), 20, true);
