import { formatRate, passRate, rateClass, typeLabel, type DatasetNode } from './pipeline-model.js';

/** An expectation's action as its SQL says it. */
const ON_VIOLATION: Record<string, string> = { DROP: 'DROP ROW', FAIL: 'FAIL UPDATE', WARN: 'WARN' };

/** A dataset of the graph in the selected update: type, flow status, rows, and each expectation's records. */
export function PipelineDatasetDetail({ d, onClose }: { d: DatasetNode; onClose: () => void }) {
  return (
    <div className="card pl-detail" data-testid="dataset-detail">
      <div className="page-head">
        <h2>{d.id}</h2>
        <span className="muted">{typeLabel(d.type)}{d.status ? ` · ${d.status}` : ''}</span>
        <button className="link" onClick={onClose}>Close</button>
      </div>
      {d.note && <p className="muted" data-testid="dataset-note">{d.note}</p>}
      {d.type !== 'EXTERNAL' && (
        <p>
          <strong>{d.written.toLocaleString()}</strong> rows written, <strong>{d.dropped.toLocaleString()}</strong> dropped by expectations in this update.
        </p>
      )}
      {d.expectations.length > 0 && (
        <table className="jobs pl-expectations" data-testid="expectations">
          <thead>
            <tr>
              <th>Expectation</th>
              <th>On violation</th>
              <th>Passed</th>
              <th>Failed</th>
              <th>Pass rate</th>
            </tr>
          </thead>
          <tbody>
            {d.expectations.map((x) => (
              <tr key={x.name} data-expectation={x.name}>
                <td>
                  <strong>{x.name}</strong>
                  {x.expression && <div className="muted"><code>{x.expression}</code></div>}
                </td>
                <td>{x.action ? (ON_VIOLATION[x.action] ?? x.action) : '–'}</td>
                <td>{x.passed.toLocaleString()}</td>
                <td>{x.failed.toLocaleString()}</td>
                <td><span className={`pl-badge ${rateClass(passRate(x))}`}>{formatRate(passRate(x))}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
