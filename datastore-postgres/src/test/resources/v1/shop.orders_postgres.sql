-- Schema of shop.orders, written by the maintenance postgres plugin (maintenance.postgres.table v1).
-- Data is in the matching _postgres.json artifact.
SET search_path = pg_catalog;

CREATE TABLE "shop"."orders" (
  "id" bigint NOT NULL,
  "customer_id" integer NOT NULL,
  "total" numeric,
  "tags" text[]
);

ALTER TABLE ONLY "shop"."orders" ADD CONSTRAINT "orders_pkey" PRIMARY KEY (id);

ALTER TABLE ONLY "shop"."orders" ADD CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY (customer_id) REFERENCES shop.customers(id);

