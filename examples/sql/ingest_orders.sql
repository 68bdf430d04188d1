-- Bronze: the orders CSV as it arrived, with the time it was loaded.
CREATE OR REPLACE TABLE bronze_orders AS
SELECT *, now() AS _ingested_at
FROM read_csv('data/orders.csv', header = true, auto_detect = true);

SELECT count(*) AS rows_loaded FROM bronze_orders;
