import { useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { pipelinesGet, quoted, readEvents, type PipelineEvent, type UpdateInfo } from './pipeline-api.js';
import { formatRate, passRate, rateClass } from './pipeline-model.js';
import { pipelineHref, shortId } from './pipeline-routes.js';

/** How many of the latest updates the charts cover. */
const UPDATES = 20;

/** One expectation's records in each update that checked it. */
interface Series {
  dataset: string;
  name: string;
  byUpdate: Map<string, { passed: number; failed: number }>;
}

type Progress = { status?: string; data_quality?: { expectations?: { name: string; dataset?: string; passed_records?: number; failed_records?: number }[] } };

/** Sums each expectation's passed and failed records per update, from flow_progress events. */
export function expectationSeries(events: PipelineEvent[]): Series[] {
  const all = new Map<string, Series>();
  for (const e of events) {
    const p = (e.details.flow_progress ?? {}) as Progress;
    const uid = e.origin.update_id;
    if (!uid) continue;
    for (const x of p.data_quality?.expectations ?? []) {
      const dataset = x.dataset ?? e.origin.dataset_name ?? '';
      const key = `${dataset}\u0000${x.name}`;
      let s = all.get(key);
      if (!s) all.set(key, (s = { dataset, name: x.name, byUpdate: new Map() }));
      const r = s.byUpdate.get(uid) ?? { passed: 0, failed: 0 };
      r.passed += x.passed_records ?? 0;
      r.failed += x.failed_records ?? 0;
      s.byUpdate.set(uid, r);
    }
  }
  return [...all.values()].sort((a, b) => a.dataset.localeCompare(b.dataset) || a.name.localeCompare(b.name));
}

/** `f` over `xs`, `n` at a time (one bounded event read per update, without 20 requests at once). */
async function inBatches<T, R>(xs: T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i += n) out.push(...(await Promise.all(xs.slice(i, i + n).map(f))));
  return out;
}

/** The data-quality tab: per expectation, passed and failed records over the latest updates, as stacked bars. */
export function PipelineQuality({ pipelineId }: { pipelineId: string }) {
  const [data, setData] = useState<{ updates: UpdateInfo[]; series: Series[]; truncated: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const updates = ((await pipelinesGet<{ updates?: UpdateInfo[] }>(`pipelines/${pipelineId}/updates`, { max_results: UPDATES })).updates ?? []).reverse();
        const reads = await inBatches(updates, 4, (u) => readEvents(pipelineId, `update_id = ${quoted(u.update_id)} AND event_type = 'flow_progress'`));
        if (live) setData({ updates, series: expectationSeries(reads.flatMap((r) => r.events)), truncated: reads.some((r) => r.truncated) });
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [pipelineId]);
  if (!data) return error ? <ErrorBox error={error} /> : <p className="muted">Loading expectation metrics…</p>;
  if (!data.series.length) return <p className="muted" data-testid="quality-empty">No expectation checked any record in the last {data.updates.length} update(s).</p>;
  return (
    <div data-testid="quality">
      <p className="muted">Records that passed (green) and failed (red) each expectation in the last {data.updates.length} updates, oldest left, with the percentage that passed under each bar; a grey tick is an update that did not check it.{data.truncated ? ' An update had more than 10,000 flow events: only those were counted.' : ''}</p>
      <div className="pl-charts">
        {data.series.map((s) => <ExpectationChart key={`${s.dataset}/${s.name}`} s={s} updates={data.updates} pipelineId={pipelineId} />)}
      </div>
    </div>
  );
}

/** A pass rate in at most three characters, for under a bar ("97", "100", "–"). */
function shortRate(rate: number | undefined): string {
  if (rate === undefined) return '–';
  return rate === 1 ? '100' : String(Math.min(99, Math.round(rate * 100)));
}

const BAR = 18;
const GAP = 10;
const H = 90;
/** Room under the bars for each update's pass rate. */
const LABEL = 14;

function ExpectationChart({ s, updates, pipelineId }: { s: Series; updates: UpdateInfo[]; pipelineId: string }) {
  const max = Math.max(1, ...[...s.byUpdate.values()].map((r) => r.passed + r.failed));
  const latest = [...updates].reverse().map((u) => s.byUpdate.get(u.update_id)).find((r) => r);
  const rate = latest ? passRate(latest) : undefined;
  const width = Math.max(200, updates.length * (BAR + GAP) + GAP);
  return (
    <div className="card pl-chart" data-testid="expectation-chart" data-expectation={`${s.dataset}.${s.name}`}>
      <div className="pl-chart-head">
        <strong>{s.name}</strong> <span className="muted" title={`the tallest bar is ${max.toLocaleString()} records`}>on {s.dataset}</span>
        <span className={`pl-badge ${rateClass(rate)}`} data-testid="latest-rate">latest {formatRate(rate)}</span>
      </div>
      <svg width={width} height={H + LABEL + 2} role="img" aria-label={`${s.name} passed and failed records per update`}>
        <line x1={0} x2={width} y1={H} y2={H} stroke="#d0d4da" />
        {updates.map((u, i) => {
          const r = s.byUpdate.get(u.update_id);
          const x = GAP + i * (BAR + GAP);
          if (!r) return <rect key={u.update_id} x={x} y={H - 2} width={BAR} height={2} fill="#c4c8ce"><title>{`${shortId(u.update_id)}: not checked`}</title></rect>;
          const ph = (r.passed / max) * (H - 4);
          const fh = (r.failed / max) * (H - 4);
          return (
            <a key={u.update_id} href={pipelineHref(pipelineId, u.update_id)} data-testid="dq-bar" data-passed={r.passed} data-failed={r.failed}>
              <title>{`${shortId(u.update_id)}: ${r.passed} passed, ${r.failed} failed (${formatRate(passRate(r))})`}</title>
              <rect x={x} y={H - ph} width={BAR} height={ph} fill="#2e9d52" />
              <rect x={x} y={H - ph - fh} width={BAR} height={fh} fill="#d6393b" />
              <text x={x + BAR / 2} y={H + LABEL - 2} textAnchor="middle" className="pl-axis">{shortRate(passRate(r))}</text>
            </a>
          );
        })}
      </svg>
    </div>
  );
}
