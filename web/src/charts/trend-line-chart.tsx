import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { axisTickFormatter, formatValue, type ValueKind } from '../format/format';
import { flatten, maxValue, type ChartRow, type SeriesSpec } from './series';

export interface TrendLineChartProps {
  rows: ChartRow[];
  series: SeriesSpec[];
  kind: ValueKind;
  /** What the chart shows, for screen readers. */
  summary: string;
  height?: number;
}

/**
 * Lines over buckets. A bucket without a value (too few items, or none) leaves a gap: the line is never
 * drawn through a number the API withheld.
 */
export function TrendLineChart({ rows, series, kind, summary, height = 240 }: TrendLineChartProps) {
  const tick = axisTickFormatter(kind, maxValue(rows, series, false));
  const drawable = rows.some((row) => series.some((s) => row.values[s.key] !== null && row.values[s.key] !== undefined));
  if (!drawable) {
    return (
      <p className="chart-state" data-chart="line-withheld">
        No bucket has enough data to draw a line: each needs the metric's minimum sample. The numbers below give the counts.
      </p>
    );
  }
  return (
    <div className="chart-canvas" data-chart="line">
      <LineChart responsive style={{ width: '100%', height }} data={flatten(rows)} margin={{ top: 8, right: 16, bottom: 0, left: 4 }} title={summary} desc={summary}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ea" />
        <XAxis dataKey="label" tickLine={false} minTickGap={12} tick={{ fontSize: 12 }} />
        <YAxis tickFormatter={tick} width={64} tick={{ fontSize: 12 }} allowDecimals={kind !== 'count'} />
        <Tooltip formatter={(value) => formatValue(Number(value), kind)} />
        <Legend wrapperStyle={{ fontSize: 13 }} itemSorter={null} />
        {series.map((s) => (
          <Line
            key={s.key}
            type="monotone"
            dataKey={s.key}
            name={s.label}
            stroke={s.color}
            strokeWidth={2}
            strokeDasharray={s.dashed ? '6 4' : undefined}
            dot={{ r: 3, fill: s.color }}
            connectNulls={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </div>
  );
}
