// Bar and line charts for the region dashboard, drawn by ECharts with only the pieces used
// imported (echarts/core, bar, line, grid, tooltip, legend, aria, SVG renderer), so the
// library stays in the dashboard's own lazily loaded chunk. SVG rather than canvas: it prints
// sharply and scales with the page. Each chart sits beside a table holding the same numbers,
// which is what screen readers and the CSV download use; the chart itself is an image.
import { init, use, type ComposeOption } from 'echarts/core';
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

type Option = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

export interface ChartSeries {
  name: string;
  type: 'bar' | 'line';
  values: number[];
  color: string;
}

export interface ChartSpec {
  categories: string[];
  series: ChartSeries[];
  horizontal?: boolean; // category bars read better sideways when the labels are long
  format: (value: number) => string; // axis and tooltip values (amounts in yuan, say)
}

// Draws into `el` (which must have a size); returns the function that frees it. The chart follows
// the element's size, including the narrower page when printing.
export function drawChart(el: HTMLElement, spec: ChartSpec): () => void {
  const chart = init(el, undefined, { renderer: 'svg' });
  const valueAxis = { type: 'value' as const, axisLabel: { formatter: (v: number) => spec.format(v) } };
  const categoryAxis = { type: 'category' as const, data: spec.categories, axisLabel: { interval: 0, hideOverlap: true } };
  const option: Option = {
    animation: false, // a printed or screenshotted chart is the final one, never mid-animation
    aria: { enabled: true },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? spec.format(v) : String(v ?? '')) },
    xAxis: spec.horizontal ? valueAxis : categoryAxis,
    yAxis: spec.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: spec.series.map((s) =>
      s.type === 'bar'
        ? ({ type: 'bar', name: s.name, data: s.values, itemStyle: { color: s.color } } satisfies BarSeriesOption)
        : ({ type: 'line', name: s.name, data: s.values, itemStyle: { color: s.color }, lineStyle: { color: s.color, width: 2 }, symbolSize: 6 } satisfies LineSeriesOption),
    ),
  };
  chart.setOption(option);
  const resize = () => chart.resize();
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(resize) : null;
  observer?.observe(el);
  // Printing narrows the page: the print media query's change is when the new width is known.
  const printMedia = typeof window.matchMedia === 'function' ? window.matchMedia('print') : null;
  printMedia?.addEventListener('change', resize);
  window.addEventListener('beforeprint', resize);
  window.addEventListener('afterprint', resize);
  return () => {
    observer?.disconnect();
    printMedia?.removeEventListener('change', resize);
    window.removeEventListener('beforeprint', resize);
    window.removeEventListener('afterprint', resize);
    chart.dispose();
  };
}
