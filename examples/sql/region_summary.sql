-- Gold: orders and revenue per day and product for one region (:region comes from the for_each input).
-- Delete-then-insert keeps reruns idempotent; regions run concurrently without touching each other's rows.
DELETE FROM gold_sales_by_region WHERE region = :region;

INSERT INTO gold_sales_by_region
SELECT region, order_date, product_id, count(*) AS orders, sum(amount) AS revenue
FROM silver_orders
WHERE region = :region
GROUP BY ALL;

SELECT region, sum(orders) AS orders, round(sum(revenue), 2) AS revenue
FROM gold_sales_by_region WHERE region = :region GROUP BY region;
