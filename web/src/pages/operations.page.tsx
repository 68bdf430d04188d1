import type { PageModule } from '../page-registry.js';
import { OpsDashboard } from '../ops-dashboard.js';
import '../ops.css';

/** `#operations`: the operations dashboard (success rates, durations, active runs, failures, notifications). */
export const page: PageModule = {
  prefix: 'operations',
  navLabel: 'Operations',
  navOrder: 80,
  render: () => <OpsDashboard />,
};
