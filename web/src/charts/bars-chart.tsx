import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { axisTickFormatter, formatValue, type ValueKind } from '../format/format';
import { flatten, maxValue, type ChartRow, type SeriesSpec } from './series';

export interface BarsChartProps {
  rows: ChartRow[];
  series: SeriesSpec[];
  kind: ValueKind;
  summary: string;
  /** Stack the series (parts of a whole) or set them side by side (to compare). */
  stacked?: boolean;
  /** Bars along the x axis (buckets), or across (categories such as stages or teams). */
  orientation?: 'columns' | 'rows';
  height?: number;
}

/** Columns per bucket, or rows per category; stacked or side by side. */
export function BarsChart({ rows, series, kind, summary, stacked = false, orientation = 'columns', height = 240 }: BarsChartProps) {
  const format = axisTickFormatter(kind, maxValue(rows, series, stacked));
  const across = orientation === 'rows';
  return (
    <div className="chart-canvas" data-chart="bars">
      <BarChart
        responsive
        style={{ width: '100%', height }}
        data={flatten(rows)}
        layout={across ? 'vertical' : 'horizontal'}
        margin={{ top: 8, right: 16, bottom: 0, left: 4 }}
        title={summary}
        desc={summary}
        barCategoryGap={across ? '25%' : '18%'}
      >
        <CartesianGrid strokeDasharray="3 3" vertical={across} horizontal={!across} stroke="#e3e6ea" />
        {across ? (
          <>
            <XAxis type="number" tickFormatter={format} tick={{ fontSize: 12 }} allowDecimals={kind !== 'count'} />
            <YAxis type="category" dataKey="label" width={110} tick={{ fontSize: 12 }} tickLine={false} />
          </>
        ) : (
          <>
            <XAxis dataKey="label" tickLine={false} minTickGap={12} tick={{ fontSize: 12 }} />
            <YAxis tickFormatter={format} width={64} tick={{ fontSize: 12 }} allowDecimals={kind !== 'count'} />
          </>
        )}
        <Tooltip formatter={(value) => formatValue(Number(value), kind)} cursor={{ fill: 'rgba(11, 107, 179, 0.08)' }} />
        {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 13 }} itemSorter={null} /> : null}
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} stackId={stacked ? 'stack' : undefined} isAnimationActive={false} maxBarSize={48} />
        ))}
      </BarChart>
    </div>
  );
}
