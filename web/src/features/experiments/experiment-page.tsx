import { useQuery } from '@tanstack/react-query';
import type { ExperimentDetail, TimelineEntry } from '@loopmeter/shared/experiments';
import { ApiError } from '../../api-client';
import { ChartPanel } from '../../charts/chart-panel';
import { PageHeader } from '../../components/page-header';
import { filterSearch } from '../../filters/dashboard-filters';
import { formatDateTime, formatHours, formatPercent, hoursBetween } from '../../format/format';
import type { PageProps } from '../../router/routes';
import { Link, useLocation } from '../../router/router';
import { experimentQuery } from './api';
import { DECISION_LABELS, humanize } from './labels';

/** One experiment from insight to decision: its stages, then every event, where it came from and why it belongs. */
export function ExperimentPage({ params }: PageProps) {
  const { search } = useLocation();
  const experiment = useQuery(experimentQuery(params.id));
  const title = experiment.data ? `${experiment.data.workItem.key}: ${experiment.data.workItem.title}` : 'Experiment';
  return (
    <>
      <p className="breadcrumb">
        <Link to={`/experiments${filterSearch(search)}`}>Experiments</Link> /
      </p>
      <PageHeader title={title} lead={experiment.data ? <Summary experiment={experiment.data} /> : undefined} />
      {experiment.isError && experiment.error instanceof ApiError && (experiment.error.status === 404 || experiment.error.status === 400) ? (
        <section className="panel" role="alert">
          <p>
            There is no experiment with this id. It may have been rebuilt under another one: find it in the <Link to="/experiments">list</Link>.
          </p>
        </section>
      ) : (
        <div className="stack">
          <ChartPanel title="Stages" description="How long each stage took, from the captured insight to the decision." query={experiment} testId="experiment-stages">
            {(data) => <StageStrip experiment={data} />}
          </ChartPanel>
          <ChartPanel
            title="Timeline"
            description="Every event linked to this experiment, in time order, with its source and why Loopmeter counts it."
            query={experiment}
            isEmpty={(d) => d.timeline.length === 0}
            empty={<p>No event is linked to this insight yet.</p>}
            testId="experiment-timeline"
          >
            {(data) => <Timeline entries={data.timeline} />}
          </ChartPanel>
        </div>
      )}
    </>
  );
}

function Summary({ experiment }: { experiment: ExperimentDetail }) {
  return (
    <>
      {experiment.team ? <>Team {experiment.team} · </> : null}
      source {experiment.workItem.source}
      {experiment.workItem.url ? (
        <>
          {' '}
          ·{' '}
          <a href={experiment.workItem.url} target="_blank" rel="noreferrer">
            open the work item
          </a>
        </>
      ) : null}
      {experiment.cycleHours !== null ? <> · insight to evidence in {formatHours(experiment.cycleHours)}</> : null}
    </>
  );
}

function StageStrip({ experiment: e }: { experiment: ExperimentDetail }) {
  const stages = [
    { label: 'Insight', at: e.insightAt, detail: e.workItem.source, since: null },
    { label: 'Work started', at: e.workStartedAt, detail: humanize(e.workStartedKind), since: e.insightAt },
    { label: 'PR opened', at: e.pullRequest?.openedAt ?? null, detail: e.pullRequest ? `${e.pullRequest.repo}#${e.pullRequest.number}` : '', since: e.workStartedAt },
    { label: 'Evidence', at: e.evidenceAt, detail: humanize(e.evidenceKind), since: e.pullRequest?.openedAt ?? e.workStartedAt ?? e.insightAt },
    { label: 'Decision', at: e.decidedAt, detail: e.decision ? DECISION_LABELS[e.decision] : 'open', since: e.evidenceAt },
  ];
  return (
    <ol className="stage-strip" aria-label="Stages">
      {stages.map((s) => {
        const took = hoursBetween(s.since, s.at);
        return (
          <li key={s.label} className={`stage ${s.at ? 'reached' : ''}`}>
            <div>
              <strong>{s.label}</strong>
            </div>
            <div className="when">{s.at ? formatDateTime(s.at) : 'not yet'}</div>
            {s.detail ? <div className="when">{s.detail}</div> : null}
            {took !== null ? <div className="took">+{formatHours(took)}</div> : null}
          </li>
        );
      })}
    </ol>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol className="timeline">
      {entries.map((entry, index) => (
        <li key={`${entry.at}-${entry.kind}-${index}`} data-kind={entry.kind}>
          <div className="event-head">
            <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            <span className="kind">{humanize(entry.kind)}</span>
            <span className="badge source">{entry.source}</span>
            {entry.atIsReceiptTime ? (
              <span className="badge receipt" title="The source sent no time for this event; this is when Loopmeter received it.">
                time of receipt
              </span>
            ) : null}
          </div>
          <div>
            {entry.url ? (
              <a href={entry.url} target="_blank" rel="noreferrer">
                {entry.title}
              </a>
            ) : (
              entry.title
            )}
          </div>
          <div className="why">{whyLinked(entry)}</div>
        </li>
      ))}
    </ol>
  );
}

/** Why this event belongs to the experiment, in words: a key found somewhere, or how it was reached from one. */
export function whyLinked(entry: TimelineEntry): string {
  const proof = entry.rawEventId ? ` Raw delivery ${entry.rawEventId}.` : '';
  if (!entry.link) return `The insight's own work item.${proof}`;
  const { foundIn, match, confidence, closing, via } = entry.link;
  if (foundIn === 'derived') return `Reached through a link: ${via}.${proof}`;
  return `Linked: “${match}” found in the ${foundIn.replace(/_/g, ' ')}${closing ? ' with a closing keyword' : ''}, confidence ${formatPercent(confidence)}.${proof}`;
}
