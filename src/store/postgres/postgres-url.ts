import { WeirError } from '../../domain/weir-error.js';

/** Where a PostgreSQL store lives, parsed from a `postgres://` URL. */
export interface PostgresTarget {
  /** The URL handed to `pg`, without weir's own parameters. */
  connectionString: string;
  /** Schema weir's tables live in (`?schema=`), for several weir installations in one database; default `public`. */
  schema?: string;
  /** The URL with its password masked, for messages and logs. */
  display: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether a store setting names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** Parses and checks a `postgres://user[:password]@host[:port]/database[?schema=name]` URL. */
export function parsePostgresUrl(location: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(location.trim());
  } catch (e) {
    throw invalid(location, 'it is not a valid URL', e);
  }
  if (!/^postgres(ql)?:$/i.test(url.protocol)) throw invalid(location, `the scheme is "${url.protocol}", not postgres:`);
  if (!url.hostname) throw invalid(location, 'it has no host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw invalid(location, 'it names no database (add /DATABASE after the host)');
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw invalid(location, `schema "${schema}" is not a lower-case SQL identifier (letters, digits, _; at most 63)`);
  }
  url.searchParams.delete('schema');
  const connectionString = url.toString();
  const shown = new URL(connectionString);
  if (shown.password) shown.password = '***';
  if (schema) shown.searchParams.set('schema', schema);
  return { connectionString, schema, display: shown.toString() };
}

function invalid(location: string, why: string, cause?: unknown): WeirError {
  const masked = location.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  return new WeirError('STORE.INVALID_URL', `store URL ${masked}: ${why}; expected postgres://user[:password]@host[:port]/database[?schema=name] (--store or WEIR_STORE)`, {
    params: { field: 'store' },
    cause,
  });
}
