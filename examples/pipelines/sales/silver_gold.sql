-- Silver: typed, validated orders. Rows that break a DROP ROW expectation are left out and counted.
CREATE OR REFRESH STREAMING TABLE orders (
  CONSTRAINT valid_quantity EXPECT (quantity >= ${min_quantity}) ON VIOLATION DROP ROW,
  CONSTRAINT known_status EXPECT (status IN ('complete', 'returned', 'pending'))
)
COMMENT 'Clean orders'
AS SELECT order_id, to_date(order_date, 'yyyy-MM-dd') AS order_date, customer_id, product_id,
          quantity, unit_price, quantity * unit_price AS amount, status
FROM STREAM(LIVE.orders_raw);

-- Gold: revenue per day, recomputed on every update.
CREATE OR REFRESH MATERIALIZED VIEW daily_revenue
COMMENT 'Completed revenue per day'
AS SELECT order_date, count(*) AS orders, round(sum(amount), 2) AS revenue
FROM LIVE.orders
WHERE status = 'complete'
GROUP BY order_date;
