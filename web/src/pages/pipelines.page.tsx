import '../pipelines.css';
import type { PageModule } from '../page-registry.js';
import { PipelineList } from '../pipeline-list.js';
import { PipelinePage } from '../pipeline-page.js';

/** `#pipelines` (the list), `#pipelines/<pipeline_id>` (its latest update) and `#pipelines/<pipeline_id>/update/<update_id>`. */
export const page: PageModule = {
  prefix: 'pipelines',
  navLabel: 'Pipelines',
  navOrder: 10,
  render(segments) {
    const [pipelineId, kind, updateId] = segments;
    if (!pipelineId) return <PipelineList />;
    return <PipelinePage key={pipelineId} pipelineId={pipelineId} updateId={kind === 'update' ? updateId : undefined} />;
  },
};
