import { expect, it } from 'vitest';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import { pipelineCompute } from '../src/pipelines/execute/pipeline-compute.js';

const machine = { cores: 8, memoryMb: 32_768 };
const catalog = nodeTypeCatalog();

it('maps workers to threads (plus the driver, at most the cores) and the node type to a memory limit capped at 80% of the machine', () => {
  expect(pipelineCompute({}, machine, catalog)).toEqual({ workers: 7, threads: 8 });
  expect(pipelineCompute({ serverless: true, clusters: [{ node_type_id: 'weir.large' }] }, machine, catalog)).toEqual({ workers: 8, threads: 8 });
  expect(pipelineCompute({ clusters: [{ label: 'default', num_workers: 1, node_type_id: 'weir.medium' }] }, machine, catalog)).toEqual({ workers: 1, threads: 2, memoryLimitMb: 8192, nodeTypeId: 'weir.medium' });
  // autoscale sizes by its maximum; 4 × 16 GiB is more than 80% of 32 GiB.
  expect(pipelineCompute({ clusters: [{ autoscale: { min_workers: 1, max_workers: 3 }, node_type_id: 'weir.large' }] }, machine, catalog)).toEqual({ workers: 3, threads: 4, memoryLimitMb: 26_214, nodeTypeId: 'weir.large' });
  // the `default` label wins over other clusters (maintenance …)
  expect(pipelineCompute({ clusters: [{ label: 'maintenance', num_workers: 5 }, { label: 'default', num_workers: 0 }] }, machine, catalog).workers).toBe(0);
});
