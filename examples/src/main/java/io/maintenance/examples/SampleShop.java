package io.maintenance.examples;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** A small shop database with the column types real schemas use, and the "accident" the demo recovers from. */
public final class SampleShop {
  public static final String[] TABLES = {"public.customers", "public.products", "public.orders"};

  private final DataSource db;

  public SampleShop(DataSource db) {
    this.db = db;
  }

  public void create() throws SQLException {
    run("""
        CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
        CREATE TABLE customers (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          email text,
          tags text[] NOT NULL DEFAULT '{}',
          balance numeric(14, 2) NOT NULL DEFAULT 0,
          signed_up timestamptz NOT NULL,
          profile jsonb
        );
        CREATE TABLE products (
          sku text PRIMARY KEY,
          title text NOT NULL,
          price numeric(10, 2) NOT NULL,
          weight_kg double precision,
          image bytea,
          active boolean NOT NULL DEFAULT true
        );
        CREATE TABLE orders (
          id bigserial PRIMARY KEY,
          customer_id uuid NOT NULL REFERENCES customers (id),
          sku text NOT NULL REFERENCES products (sku),
          quantity integer NOT NULL,
          status order_status NOT NULL,
          placed_on date NOT NULL,
          note text
        );
        CREATE INDEX orders_by_customer ON orders (customer_id);
        INSERT INTO customers
          SELECT md5('customer' || i)::uuid, 'Customer ' || i, 'customer' || i || '@example.com',
                 ARRAY['tier-' || (i % 3), CASE WHEN i % 7 = 0 THEN 'vip' ELSE 'regular' END],
                 round((i * 13.37)::numeric, 2), timestamptz '2026-01-01 09:00:00+00' + i * interval '7 hours',
                 jsonb_build_object('locale', CASE WHEN i % 2 = 0 THEN 'de-DE' ELSE 'en-GB' END, 'newsletter', i % 5 = 0)
          FROM generate_series(1, 200) AS i;
        INSERT INTO products
          SELECT 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i || ' – “special” édition', (i * 2.5)::numeric(10, 2),
                 CASE WHEN i % 4 = 0 THEN NULL ELSE i * 0.125 END, decode(md5(i::text), 'hex'), i % 9 <> 0
          FROM generate_series(1, 50) AS i;
        INSERT INTO orders (customer_id, sku, quantity, status, placed_on, note)
          SELECT md5('customer' || (1 + i % 200))::uuid, 'SKU-' || lpad((1 + i % 50)::text, 4, '0'), 1 + i % 4,
                 (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4]::order_status,
                 date '2026-06-01' + (i % 120), CASE WHEN i % 10 = 0 THEN 'gift wrap' WHEN i % 10 = 1 THEN '' END
          FROM generate_series(1, 1000) AS i;
        """);
  }

  /** The accident: a bad migration and a careless cleanup script. */
  public void breakIt() throws SQLException {
    run("""
        DELETE FROM orders WHERE status = 'cancelled' OR placed_on < date '2026-07-01';
        UPDATE customers SET email = NULL, tags = '{}' WHERE balance > 1000;
        UPDATE products SET price = price * 100 WHERE sku LIKE 'SKU-00%';
        INSERT INTO orders (customer_id, sku, quantity, status, placed_on) VALUES (md5('customer1')::uuid, 'SKU-0001', 99, 'new', now());
        """);
  }

  /** Row count and an MD5 of every table's rows in primary-key order. */
  public Map<String, String> fingerprint() throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
      for (String t : TABLES) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h"
            + " FROM " + t + " AS x")) {
          rs.next();
          out.put(t, rs.getLong("n") + " rows, md5 " + rs.getString("h"));
        }
      }
    }
    return out;
  }

  private void run(String sql) throws SQLException {
    try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
