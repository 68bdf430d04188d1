import type { PageModule } from '../page-registry.js';
import { SqlEditor } from '../sql-editor.js';
import '../sql-editor.css';

/** `#sql`: the SQL editor on the warehouse. */
export const page: PageModule = {
  prefix: 'sql',
  navLabel: 'SQL',
  navOrder: 70,
  render: () => <SqlEditor />,
};
