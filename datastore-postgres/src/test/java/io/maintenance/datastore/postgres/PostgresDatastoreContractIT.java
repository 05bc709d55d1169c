package io.maintenance.datastore.postgres;

import io.maintenance.spi.Datastore;
import io.maintenance.tck.DatastoreContract;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

/** The TCK against a real PostgreSQL 15: three related tables, one without a primary key. */
class PostgresDatastoreContractIT extends DatastoreContract {
  static DataSource ds;

  @BeforeAll
  static void database() {
    ds = Pg.freshDatabase("contract");
  }

  @Override
  protected Datastore createDatastore() {
    return PostgresDatastore.builder("orders-db").dataSource(ds).include("shop").build();
  }

  @Override
  protected void seed() throws Exception {
    Pg.exec(ds, """
        DROP SCHEMA IF EXISTS shop CASCADE;
        CREATE SCHEMA shop;
        CREATE TABLE shop.customers (
          id serial PRIMARY KEY, name text NOT NULL, email text, joined timestamptz NOT NULL,
          balance numeric(12,2) DEFAULT 0, active boolean NOT NULL DEFAULT true, avatar bytea);
        CREATE TABLE shop.orders (
          id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers(id),
          total numeric, tags text[], meta jsonb, placed date);
        CREATE INDEX orders_customer ON shop.orders (customer_id);
        CREATE TABLE shop.events (kind text, payload json, at timestamp);
        INSERT INTO shop.customers (name, email, joined, balance, active, avatar)
          SELECT 'customer ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
                 timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', g * 1.25, g % 2 = 0,
                 CASE WHEN g % 4 = 0 THEN decode(md5(g::text), 'hex') END
            FROM generate_series(1, 50) g;
        INSERT INTO shop.orders
          SELECT g, 1 + g % 50, g * 10.5, ARRAY['a' || g, NULL, ''], jsonb_build_object('n', g, 'x', ARRAY[1,2]),
                 date '2024-02-01' + g
            FROM generate_series(1, 200) g;
        INSERT INTO shop.events SELECT 'k' || (g % 5), json_build_object('g', g), timestamp '2024-03-01' + g * interval '1 min'
            FROM generate_series(1, 30) g;
        """);
  }

  @Override
  protected void mutate() throws Exception {
    Pg.exec(ds, """
        INSERT INTO shop.customers (name, joined) VALUES ('newcomer', now());
        UPDATE shop.customers SET balance = balance + 1 WHERE id = 7;
        DELETE FROM shop.orders WHERE id > 150;
        UPDATE shop.events SET payload = '{"changed": true}' WHERE kind = 'k1';
        """);
  }

  @Override
  protected String liveData() throws Exception {
    return Pg.copyOut(ds, "SELECT * FROM shop.customers ORDER BY id")
        + Pg.copyOut(ds, "SELECT * FROM shop.orders ORDER BY id")
        + Pg.copyOut(ds, "SELECT * FROM shop.events ORDER BY at, kind, payload::text")
        + Pg.copyOut(ds, "SELECT last_value, is_called FROM shop.customers_id_seq");
  }
}
