// The donation's path as an ECharts Sankey diagram (loaded on demand: ECharts is the largest
// dependency). Accounts are nodes; spending ends in category nodes; what is left unspent, refunded
// or not followed (trace cut at the node's limit) ends in its own node.
import * as echarts from 'echarts/core';
import { SankeyChart } from 'echarts/charts';
import { TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { Donation, Trace, TraceNode } from '../api';
import { name, yuan } from '../format';
import { lang, t, tEnum } from '../i18n';

echarts.use([SankeyChart, TooltipComponent, SVGRenderer]);

const MIN_LABEL_PX = 56; // a middle-column label narrower than this is not drawn

interface GNode {
  name: string; // unique key
  display: string;
  kind: 'root' | 'account' | 'spent' | 'unspent' | 'refunded' | 'untraced';
  itemStyle: { color: string };
  depth?: number;
}

const COLORS = {
  root: '#9f1d20',
  account: '#1d4ed8',
  spent: '#15803d',
  unspent: '#b45309',
  refunded: '#6b7280',
  untraced: '#9ca3af',
};

export interface SankeyGraph {
  nodes: GNode[];
  links: { source: string; target: string; value: number }[];
}

export function buildGraph(trace: Trace): SankeyGraph {
  const nodes = new Map<string, GNode>();
  const links = new Map<string, { source: string; target: string; value: number }>();
  const node = (key: string, display: string, kind: GNode['kind'], depth: number): string => {
    const existing = nodes.get(key);
    if (existing) existing.depth = Math.max(existing.depth ?? 0, depth);
    else nodes.set(key, { name: key, display, kind, itemStyle: { color: COLORS[kind] }, depth });
    return key;
  };
  const link = (source: string, target: string, value: number) => {
    if (value <= 0) return;
    const k = `${source}\u0000${target}`;
    const l = links.get(k);
    if (l) l.value += value;
    else links.set(k, { source, target, value });
  };
  const accountName = (n: TraceNode) => (lang() === 'zh' ? n.account_name_zh || n.account_name_en : n.account_name_en || n.account_name_zh) || n.account;

  // The gift's own account is the first column; each hop moves one column to the right.
  const walk = (n: TraceNode, parent: string | null, ancestors: string[]) => {
    // An account seen higher up the same path gets its own node, so the graph stays acyclic.
    const key = ancestors.includes(n.account) ? `${n.account}#${ancestors.length}` : n.account;
    const depth = ancestors.length;
    const acct = node(key, accountName(n), depth === 0 ? 'root' : 'account', depth);
    if (parent) link(parent, acct, n.amount_fen);
    const path = [...ancestors, n.account];
    switch (n.fate) {
      case 'spent': {
        const cat = n.tx?.category || 'unspecified';
        const label = lang() === 'zh' ? n.tx?.category_name_zh : n.tx?.category_name_en;
        link(acct, node(`spent:${cat}`, `${t('receipt.spent')} · ${label || tEnum('category', cat)}`, 'spent', depth + 1), n.amount_fen);
        break;
      }
      case 'unspent':
        link(acct, node(`unspent:${key}`, `${t('receipt.unspent')} · ${accountName(n)}`, 'unspent', depth + 1), n.amount_fen);
        break;
      case 'refunded':
        link(acct, node('refunded', t('receipt.refunded'), 'refunded', depth + 1), n.amount_fen);
        break;
      case 'withdrawn':
        link(acct, node('withdrawn', t('receipt.withdrawn'), 'refunded', depth + 1), n.amount_fen);
        break;
      case 'corrected': // back in the same account: drawn as a hop to that account's own next node
      case 'moved_on': {
        let followed = 0;
        for (const c of n.children) {
          walk(c, acct, path);
          followed += c.amount_fen;
        }
        if (followed < n.amount_fen) link(acct, node('untraced', t('receipt.untraced'), 'untraced', depth + 1), n.amount_fen - followed);
        break;
      }
    }
  };
  for (const n of trace.nodes) walk(n, null, []);
  return { nodes: [...nodes.values()], links: [...links.values()] };
}

// Label layout, so labels never overlap at any width from 320 px up, in either language: each
// label is one line of name (cut with an ellipsis; the full name is in the tooltip and in the
// hop list) and one line of amount, and nodes are kept at least those two lines apart. Labels of
// the middle columns are dropped when a column is too narrow to hold a readable one.
export function renderSankey(container: HTMLElement, trace: Trace): () => void {
  const graph = buildGraph(trace);
  const width = container.clientWidth || 360;
  const narrow = width < 560;
  const columns = Math.max(2, ...graph.nodes.map((n) => (n.depth ?? 0) + 1));
  // Sinks (spent, unspent, refunded) are pushed to the last column, labelled on their right.
  const sinks = graph.nodes.filter((n) => !graph.links.some((l) => l.source === n.name));
  const right = Math.round(Math.min(240, width * (narrow ? 0.38 : 0.26)));
  const nodeWidth = narrow ? 10 : 14;
  const gap = (width - 16 - right - nodeWidth * columns) / Math.max(1, columns - 1);
  const fontSize = narrow ? 11 : 12;
  const lineHeight = fontSize + 3;
  const nodeGap = 2 * lineHeight + 8;
  const middleLabels = gap - 10 >= MIN_LABEL_PX;
  const height = Math.max(narrow ? 320 : 300, Math.min(1400, sinks.length * (nodeGap + 2 * lineHeight) + 40));
  container.style.height = `${height}px`;
  const chart = echarts.init(container, undefined, { renderer: 'svg' });
  const display = new Map(graph.nodes.map((n) => [n.name, n.display]));
  const sinkNames = new Set(sinks.map((n) => n.name));
  const data = graph.nodes.map((n) => {
    const sink = sinkNames.has(n.name);
    return {
      ...n,
      depth: sink ? columns - 1 : n.depth,
      label: sink || middleLabels ? { width: sink ? right - 12 : gap - 10, overflow: 'truncate', ellipsis: '…' } : { show: false },
    };
  });
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { dataType: string; data: { display?: string; source?: string; target?: string; value?: number }; value: number }) =>
        p.dataType === 'edge'
          ? `${escape(display.get(p.data.source!) ?? '')} → ${escape(display.get(p.data.target!) ?? '')}<br>${yuan(p.data.value ?? 0)}`
          : `${escape(p.data.display ?? '')}<br>${yuan(p.value)}`,
    },
    series: [
      {
        type: 'sankey',
        orient: 'horizontal',
        left: 8,
        right,
        top: 12,
        bottom: 12,
        nodeWidth,
        nodeGap,
        nodeAlign: 'justify',
        layoutIterations: 64,
        draggable: false,
        emphasis: { focus: 'adjacency' },
        data,
        links: graph.links,
        lineStyle: { color: 'gradient', opacity: 0.3, curveness: 0.5 },
        label: {
          color: '#1f2328',
          fontSize,
          lineHeight,
          position: 'right',
          formatter: (p: { data: { display: string }; value: number }) => `${p.data.display}\n${yuan(p.value)}`,
          textBorderColor: '#fff',
          textBorderWidth: 2,
        },
      },
    ],
  });
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
  };
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const graphSummary = (donation: Donation, trace: Trace): string =>
  t('receipt.flow_summary', {
    amount: yuan(donation.amount_fen),
    to: name(donation.to, donation.account),
    spent: yuan(trace.totals.spent_fen),
    unspent: yuan(trace.totals.unspent_fen),
  });
