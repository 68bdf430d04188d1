# Databricks notebook source
# MAGIC %md
# MAGIC # Transform orders
# MAGIC Cleans bronze orders, joins customers and records how many rows were kept and dropped.

# COMMAND ----------

dbutils.widgets.text("min_quantity", "1")
dbutils.widgets.text("run_date", "")
min_quantity = int(dbutils.widgets.get("min_quantity"))
print(f"run_date={dbutils.widgets.get('run_date')} min_quantity={min_quantity}")

# COMMAND ----------

spark.sql(f"""
CREATE OR REPLACE TABLE silver_orders AS
SELECT o.order_id, o.order_date, o.customer_id, c.region, c.segment, o.product_id,
       o.quantity, o.unit_price, o.quantity * o.unit_price AS amount
FROM bronze_orders o JOIN bronze_customers c USING (customer_id)
WHERE o.status = 'complete' AND o.quantity >= {min_quantity}
""")

total = spark.sql("SELECT count(*) AS n FROM bronze_orders").collect()[0]["n"]
valid = spark.sql("SELECT count(*) AS n FROM silver_orders").collect()[0]["n"]
bad = spark.sql(f"SELECT count(*) AS n FROM bronze_orders WHERE quantity < {min_quantity}").collect()[0]["n"]
revenue = spark.sql("SELECT round(sum(amount), 2) AS r FROM silver_orders").collect()[0]["r"]
print(f"{total} orders in, {valid} kept, {bad} with a bad quantity")

# COMMAND ----------

# MAGIC %sql
# MAGIC CREATE TABLE IF NOT EXISTS gold_sales_by_region (region VARCHAR, order_date DATE, product_id VARCHAR, orders BIGINT, revenue DOUBLE)
# MAGIC PARTITIONED BY (region)

# COMMAND ----------

dbutils.jobs.taskValues.set("valid_rows", valid)
dbutils.jobs.taskValues.set("dropped_rows", bad)
dbutils.jobs.taskValues.set("revenue", revenue)
dbutils.notebook.exit(f"kept {valid} of {total} orders")
