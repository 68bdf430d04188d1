import { readFileSync } from 'node:fs';
import { nodeTypeCatalog, type NodeTypeCatalog } from '../../domain/node-types.js';
import { isWeirError, WeirError } from '../../domain/weir-error.js';

/**
 * The price list weir runs with: the defaults, changed by the JSON file `file` names (config `nodeTypesFile`,
 * WEIR_NODE_TYPES_FILE) when given. Read once at start; errors name the file and the field.
 */
export function loadNodeTypeCatalog(file: string | undefined): NodeTypeCatalog {
  if (file === undefined) return nodeTypeCatalog();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WeirError('VALIDATION.INVALID', `node types file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix WEIR_NODE_TYPES_FILE or create the file`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeirError('VALIDATION.INVALID', `node types file ${file}: not valid JSON (${(e as Error).message}); see docs/compute.md for its shape`, { cause: e });
  }
  try {
    return nodeTypeCatalog(json);
  } catch (e) {
    if (isWeirError(e)) throw new WeirError(e.code, e.message.replace(/^node types( file)?:/, `node types file ${file}:`), { cause: e });
    throw e;
  }
}
