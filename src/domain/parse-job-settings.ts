import { JobSettings } from './job-settings.js';
import { validateJobGraph } from './job-graph.js';
import { WeirError } from './weir-error.js';
import { formatIssues } from './wire.js';

/**
 * Validates a JobSettings body (API or job file) with the schema, then the task graph.
 * `where` prefixes field paths in messages (e.g. a file name or "new_settings").
 */
export function parseJobSettings(body: unknown, where = ''): JobSettings {
  const r = JobSettings.safeParse(body);
  if (!r.success) {
    throw new WeirError('VALIDATION.INVALID', `${where ? where + ': ' : ''}${formatIssues(r.error)}`, {
      params: { issues: r.error.issues },
    });
  }
  try {
    validateJobGraph(r.data);
  } catch (e) {
    if (e instanceof WeirError && where) {
      throw new WeirError(e.code, `${where}: ${e.message}`, { params: e.params, cause: e.cause });
    }
    throw e;
  }
  return r.data;
}
