import { formatCount, formatValue, notEnoughData, type ValueKind } from '../format/format';
import type { ChartRow, SeriesSpec } from './series';

export interface DataTableProps {
  caption: string;
  rows: ChartRow[];
  series: Array<Pick<SeriesSpec, 'key' | 'label'> & { kind?: ValueKind }>;
  /** How values are formatted, unless a series says otherwise. */
  kind: ValueKind;
  /** Heading of the first column: "Week", "Team"... */
  rowHeader: string;
  nLabel: string;
  testId?: string;
}

/**
 * The numbers behind a chart, as a table: for screen readers, for people who want the exact values, and
 * for the browser tests, which compare it with what the API answered. A bucket below the minimum sample
 * says so instead of showing a number.
 */
export function DataTable({ caption, rows, series, kind, rowHeader, nLabel, testId }: DataTableProps) {
  return (
    <details className="data-table">
      <summary>Show the numbers</summary>
      <table data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{rowHeader}</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
            <th scope="col">n ({nLabel})</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const withheld = row.insufficient && series.every((s) => row.values[s.key] === null || row.values[s.key] === undefined);
            return (
              <tr key={`${row.label}-${index}`}>
                <th scope="row">{row.label}</th>
                {withheld ? (
                  <td colSpan={series.length} className="insufficient">
                    {notEnoughData(row.n)}
                  </td>
                ) : (
                  series.map((s) => <td key={s.key}>{formatValue(row.values[s.key], s.kind ?? kind)}</td>)
                )}
                <td>{formatCount(row.n)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
