import { formatChange, formatCount, formatValue, notEnoughData, type ValueKind } from '../format/format';

export interface HeadlineProps {
  label: string;
  value: number | null | undefined;
  kind: ValueKind;
  n: number;
  /** What n counts: "experiments", "PRs"... */
  nLabel: string;
  insufficient: boolean;
  /** The previous period (compare=previous); undefined when not asked. */
  previous?: { value: number | null | undefined; n: number; insufficient: boolean };
  /** Which way is good, to colour the change; "neutral" for counts that are neither. */
  better: 'lower' | 'higher' | 'neutral';
  testId?: string;
}

/** A headline number with its sample size and its change against the previous period. */
export function Headline({ label, value, kind, n, nLabel, insufficient, previous, better, testId }: HeadlineProps) {
  const missing = value === null || value === undefined;
  // Withheld below the minimum sample; absent when nothing could be measured (no lead time without commits).
  const shown = insufficient ? notEnoughData(n) : missing ? 'no data' : formatValue(value, kind);
  const change = !insufficient && previous && !previous.insufficient ? formatChange(value, previous.value, kind) : undefined;
  const tone = !change || change.direction === 'flat' || better === 'neutral' ? 'flat' : (change.direction === 'down') === (better === 'lower') ? 'good' : 'bad';
  let comparison: string;
  if (!previous) comparison = '';
  else if (insufficient) comparison = '';
  else if (previous.insufficient) comparison = `previous period: ${notEnoughData(previous.n)}`;
  else if (previous.value === null || previous.value === undefined) comparison = 'previous period: no data';
  else if (!change) comparison = `previous period: ${formatValue(previous.value, kind)}`;
  else comparison = `${change.text} vs previous period (${formatValue(previous.value, kind)})`;
  return (
    <div className="headline" data-testid={testId}>
      <div className="headline-label">{label}</div>
      <div className={`headline-value ${insufficient || missing ? 'insufficient' : ''}`} data-testid={testId ? `${testId}-value` : undefined}>
        {shown}
      </div>
      {comparison ? (
        <div className={`headline-change ${tone}`} data-testid={testId ? `${testId}-change` : undefined}>
          {change ? <span aria-hidden="true">{change.direction === 'up' ? '▲ ' : change.direction === 'down' ? '▼ ' : ''}</span> : null}
          {comparison}
        </div>
      ) : null}
      <div className="headline-n" data-testid={testId ? `${testId}-n` : undefined}>
        n = {formatCount(n)} {nLabel}
      </div>
    </div>
  );
}
