import { createHash } from 'node:crypto';
import { DuckDBScalarFunction, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';

const SHA2_BITS = new Set([224, 256, 384, 512]);

/** sha2(x, bits) for the lengths DuckDB lacks, computed with node:crypto; an invalid length gives NULL as in Spark. */
function sparkSha2(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: 'spark_sha2',
    mainFunction: (_info, input, output) => {
      const text = input.getColumnVector(0);
      const bits = input.getColumnVector(1);
      for (let r = 0; r < input.rowCount; r++) {
        const b = Number(bits.getItem(r)) || 256;
        const v = text.getItem(r) as string;
        output.setItem(r, SHA2_BITS.has(b) ? createHash(`sha${b}`).update(v, 'utf8').digest('hex') : null);
      }
      output.flush();
    },
    returnType: VARCHAR,
    parameterTypes: [VARCHAR, INTEGER],
  });
}

/** Registers the JavaScript scalar functions behind Spark functions DuckDB has no SQL equivalent for. */
export function registerSparkUdfs(conn: DuckDBConnection): void {
  conn.registerScalarFunction(sparkSha2());
}
