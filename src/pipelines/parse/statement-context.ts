import type { Namespace } from '../../domain/pipeline-definition.js';

/** State that earlier statements of a SQL file pass to later ones: `SET` confs and the `USE` namespace. */
export interface StatementContext {
  sparkConf: Record<string, string>;
  namespace: Namespace;
}
