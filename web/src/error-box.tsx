import { ApiCallError } from './api-client.js';

/** Shows an error verbatim (an API error's code and message, which names the field path), or nothing. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiCallError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return <pre className="error" role="alert">{text}</pre>;
}
