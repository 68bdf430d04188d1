/**
 * The TypeScript pipeline API in one import: datasets, expectations, flows, sinks and `conf()` for a module that
 * `export default definePipeline(…)`.
 */
export { createStreamingTable, materializedView, streamingTable, table, view, type DatasetOptions } from './define-datasets.js';
export { appendFlow, applyChanges, createAutoCdcFlow, createSink, definePipeline, read, readStream, type AppendFlowOptions, type AutoCdcOptions, type SinkOptions } from './define-flows.js';
export { expect, expectAll, expectAllOrDrop, expectAllOrFail, expectOrDrop, expectOrFail } from './expectations.js';
export { conf, spark } from './pipeline-configuration.js';
