-- Bronze: the raw files, appended as they arrive (read_files is incremental under STREAM).
CREATE OR REFRESH STREAMING TABLE orders_raw
COMMENT 'Orders exactly as they landed in data/orders.csv'
AS SELECT *, _metadata.file_name AS source_file
FROM STREAM read_files('data/orders.csv', format => 'csv', header => true);

CREATE OR REFRESH MATERIALIZED VIEW customers
COMMENT 'Customer master data'
AS SELECT * FROM read_files('data/customers.json', format => 'json');
