/** The href of the pipelines list, a pipeline (its latest update) or one update of it. */
export function pipelineHref(pipelineId?: string, updateId?: string): string {
  if (!pipelineId) return '#pipelines';
  const p = `#pipelines/${encodeURIComponent(pipelineId)}`;
  return updateId ? `${p}/update/${encodeURIComponent(updateId)}` : p;
}

/** An update id as the UI shows it: its first 8 characters, as Databricks' UI does. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
