import { Hono } from 'hono';
import { extname } from 'node:path';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import { BoolLike } from '../domain/wire.js';
import { workspaceFile } from '../workspace/workspace-path.js';
import { NOTEBOOK_FORMS, type NotebookLanguage, type WorkspaceTree } from '../workspace/workspace-tree.js';
import { handle } from './handle.js';
import { parseParams, readParams } from './params.js';

/** Request parameters (query or JSON body) of the route that parses Path; also documented in /api/openapi.json. */
export const Path = z.object({ path: z.string() });
/** Request parameters (query or JSON body) of the route that parses Delete; also documented in /api/openapi.json. */
export const Delete = z.object({ path: z.string(), recursive: BoolLike.optional() });
/** Request parameters (query or JSON body) of the route that parses Import; also documented in /api/openapi.json. */
export const Import = z.object({
  path: z.string(),
  content: z.string().optional(),
  format: z.enum(['SOURCE', 'AUTO', 'JUPYTER', 'RAW', 'HTML', 'DBC', 'R_MARKDOWN']).optional(),
  language: z.enum(['PYTHON', 'SQL', 'SCALA', 'R']).optional(),
  overwrite: BoolLike.optional(),
});
/** Request parameters (query or JSON body) of the route that parses Export; also documented in /api/openapi.json. */
export const Export = z.object({ path: z.string(), format: z.enum(['SOURCE', 'AUTO', 'JUPYTER', 'RAW', 'HTML', 'DBC', 'R_MARKDOWN']).optional(), direct_download: BoolLike.optional() });

function decodeContent(content: string | undefined): Buffer {
  const b64 = (content ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new WeirError('VALIDATION.INVALID', 'content: not base64; encode the file with base64 (e.g. `base64 -w0 notebook.py`).');
  }
  return Buffer.from(b64, 'base64');
}

/** A SOURCE notebook's bytes with the Databricks header first (added when missing), so weir reads it as a notebook. */
function withHeader(content: Buffer, lang: NotebookLanguage): Buffer {
  const { header } = NOTEBOOK_FORMS[lang];
  const text = content.toString('utf8');
  return text.trimStart().startsWith(header) ? content : Buffer.from(`${header}\n${text}`, 'utf8');
}

/** Where an import lands: the file on disk and its bytes, by format (SOURCE/JUPYTER notebooks, AUTO, RAW files). */
function importTarget(root: string, q: z.infer<typeof Import>): { wsPath: string; file: string; content: Buffer } {
  const { wsPath, file } = workspaceFile(root, q.path);
  const content = decodeContent(q.content);
  const format = q.format ?? 'SOURCE';
  if (format === 'JUPYTER') return { wsPath, file: file.endsWith('.ipynb') ? file : `${file}.ipynb`, content };
  // AUTO and RAW store the bytes at the path as given; a .py/.sql with the Databricks header or an .ipynb then
  // reads back as a notebook (shown without its extension), anything else as a file.
  if (format === 'RAW' || format === 'AUTO') return { wsPath, file, content };
  if (format !== 'SOURCE') {
    throw new WeirError('VALIDATION.INVALID', `format: ${format} is not supported by weir; import notebooks as SOURCE, JUPYTER or AUTO and files as AUTO or RAW.`);
  }
  if (q.language !== 'PYTHON' && q.language !== 'SQL') {
    throw new WeirError('VALIDATION.INVALID', `language: ${q.language ?? 'missing'}; a SOURCE import needs language PYTHON or SQL (weir runs Python and SQL notebooks).`);
  }
  const { ext } = NOTEBOOK_FORMS[q.language];
  return { wsPath, file: file.endsWith(ext) ? file : file + ext, content: withHeader(content, q.language) };
}

/** Workspace API 2.0 basics (get-status, list, mkdirs, import, export, delete, import-file) over the workspace folder. */
export function workspaceRoutes(tree: WorkspaceTree): Hono {
  const app = new Hono();
  app.get('/workspace/get-status', handle(async (p) => ({ ...(await tree.getStatus(parseParams(Path, p).path)) })));
  app.get('/workspace/list', handle(async (p) => {
    const objects = await tree.list(parseParams(Path, p).path);
    return objects.length ? { objects } : {};
  }));
  app.post('/workspace/mkdirs', handle(async (p) => {
    await tree.mkdirs(parseParams(Path, p).path);
    return {};
  }));
  app.post('/workspace/import', handle(async (p) => {
    const q = parseParams(Import, p);
    const t = importTarget(tree.root, q);
    await tree.write(t.wsPath, t.file, t.content, q.overwrite ?? false);
    return {};
  }));
  app.post('/workspace/delete', handle(async (p) => {
    const q = parseParams(Delete, p);
    await tree.delete(q.path, q.recursive ?? false);
    return {};
  }));
  // What `databricks bundle deploy` uploads files with: the raw body to the path after the prefix.
  app.post('/workspace-files/import-file/*', async (c) => {
    const raw = c.req.path.slice(c.req.path.indexOf('/import-file/') + '/import-file'.length);
    const { wsPath, file } = workspaceFile(tree.root, decodeURIComponent(raw));
    const overwrite = /^true$/i.test(c.req.query('overwrite') ?? '');
    await tree.write(wsPath, file, Buffer.from(await c.req.arrayBuffer()), overwrite);
    return c.json({});
  });
  app.get('/workspace/export', async (c) => {
    const q = parseParams(Export, await readParams(c));
    if (q.format && !['SOURCE', 'AUTO', 'JUPYTER', 'RAW'].includes(q.format)) {
      throw new WeirError('VALIDATION.INVALID', `format: ${q.format} is not supported by weir; export as SOURCE, JUPYTER, AUTO or RAW.`);
    }
    const { content, fileName } = await tree.read(q.path);
    if (q.direct_download) {
      return c.body(new Uint8Array(content), 200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${fileName}"` });
    }
    return c.json({ content: content.toString('base64'), file_type: extname(fileName).slice(1) });
  });
  return app;
}
