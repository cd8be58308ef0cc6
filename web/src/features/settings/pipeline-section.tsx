import { useQuery } from '@tanstack/react-query';
import { ChartPanel } from '../../charts/chart-panel';
import { formatCount, formatDateTime } from '../../format/format';
import { ingestStatsQuery, pipelineStatsQuery } from './api';

/** Whether events get through: raw events by processing status, and why some were dropped or failed. */
export function PipelineSection() {
  const pipeline = useQuery(pipelineStatsQuery);
  return (
    <ChartPanel title="Pipeline" description="Raw events by processing status; drops and failures by step and reason." query={pipeline} isEmpty={(d) => Object.keys(d.byStatus).length === 0} empty={<p>No event received yet.</p>} testId="pipeline-stats">
      {(data) => (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Raw events</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(data.byStatus).map(([status, count]) => (
                <tr key={status}>
                  <th scope="row">{status}</th>
                  <td>{formatCount(count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.reasons.length > 0 ? (
            <>
              <h3>Why</h3>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Step</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Events</th>
                  </tr>
                </thead>
                <tbody>
                  {data.reasons.map((r, index) => (
                    <tr key={`${r.status}-${r.step}-${index}`}>
                      <td>{r.status}</td>
                      <td>{r.step}</td>
                      <td>{r.reason}</td>
                      <td>{formatCount(r.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </>
      )}
    </ChartPanel>
  );
}

export function IngestSection() {
  const ingest = useQuery(ingestStatsQuery);
  return (
    <ChartPanel title="Ingest" description="Deliveries by source and outcome since the server started, and the raw store by source." query={ingest} testId="ingest-stats">
      {(data) => (
        <>
          <p className="help">Counting since {formatDateTime(data.since)}.</p>
          {data.counters.length === 0 ? (
            <p>No delivery since the server started.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Deliveries</th>
                </tr>
              </thead>
              <tbody>
                {data.counters.map((c) => (
                  <tr key={`${c.source}-${c.outcome}`}>
                    <td>{c.source}</td>
                    <td>
                      <span className={`badge ${c.outcome.startsWith('rejected') ? 'bad' : 'ok'}`}>{c.outcome.replace(/_/g, ' ')}</span>
                    </td>
                    <td>{formatCount(c.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Raw store</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              {data.stored.map((s) => (
                <tr key={`${s.source}-${s.status}`}>
                  <td>{s.source}</td>
                  <td>{s.status}</td>
                  <td>{formatCount(s.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </ChartPanel>
  );
}
