package io.maintenance.datastore.postgres;

import io.maintenance.spi.Datastore;
import io.maintenance.tck.DiscardContract;
import javax.sql.DataSource;

/** The discard contract (a drill's sandbox) against a real PostgreSQL 15: two schemas with a type, a view and a function. */
class PostgresDiscardContractIT extends DiscardContract {
  private static final String SANDBOX = "discard_contract_sandbox";

  @Override
  protected Datastore createSource() throws Exception {
    DataSource ds = Pg.freshDatabase("discard_contract_source");
    Pg.exec(ds, """
        CREATE SCHEMA shop; CREATE SCHEMA ledger;
        CREATE TYPE shop.state AS ENUM ('open', 'paid');
        CREATE TABLE shop.orders (id serial PRIMARY KEY, state shop.state NOT NULL, total numeric(10,2));
        CREATE TABLE ledger.entries (id bigint PRIMARY KEY, order_id int REFERENCES shop.orders(id), amount numeric);
        CREATE FUNCTION ledger.balance() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT sum(amount) FROM ledger.entries $$;
        CREATE VIEW shop.open_orders AS SELECT * FROM shop.orders WHERE state = 'open';
        CREATE TABLE public.notes (note text);
        INSERT INTO shop.orders (state, total) SELECT CASE WHEN g % 2 = 0 THEN 'open' ELSE 'paid' END::shop.state, g FROM generate_series(1, 40) g;
        INSERT INTO ledger.entries SELECT g, g, g * 2 FROM generate_series(1, 40) g;
        INSERT INTO public.notes VALUES ('a'), ('b');
        """);
    return PostgresDatastore.builder("orders-db").dataSource(ds).build();
  }

  @Override
  protected Datastore createSandbox() {
    DataSource ds = Pg.freshDatabase(SANDBOX);
    return PostgresDatastore.builder("orders-db").dataSource(ds).build();
  }

  @Override
  protected String sandboxContents() throws Exception {
    return PostgresDiscardIT.contents(Pg.server(), SANDBOX);
  }
}
