import '../catalog.css';
import { CatalogList, SchemaList, TableList } from '../catalog-browser.js';
import { TABLE_TABS, TablePage, type TableTab } from '../catalog-table-page.js';
import type { PageModule } from '../page-registry.js';

/**
 * `#catalog` (catalogs), `#catalog/<catalog>` (schemas), `#catalog/<catalog>/<schema>` (tables) and
 * `#catalog/<catalog>/<schema>/<table>[/<tab>]` (a table, tabs columns|properties|preview|history|lineage).
 */
export const page: PageModule = {
  prefix: 'catalog',
  navLabel: 'Catalog',
  navOrder: 20,
  render(segments) {
    const [catalog, schema, table, tab] = segments;
    if (!catalog) return <CatalogList />;
    if (!schema) return <SchemaList key={catalog} catalog={catalog} />;
    if (!table) return <TableList key={`${catalog}.${schema}`} catalog={catalog} schema={schema} />;
    const selected: TableTab = TABLE_TABS.includes(tab as TableTab) ? (tab as TableTab) : 'columns';
    return <TablePage key={`${catalog}.${schema}.${table}`} catalog={catalog} schema={schema} table={table} tab={selected} />;
  },
};
