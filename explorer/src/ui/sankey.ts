// The donation's path as a Sankey diagram, drawn as plain SVG from d3-sankey's layout (loaded
// on demand). Accounts are nodes; spending ends in category nodes; what is left unspent, refunded
// or not followed (trace cut at the node's limit) ends in its own node.
//
// It used to be drawn by ECharts, whose Sankey build was 130 KB brotli — on a phone at 1.6 Mbit/s
// that alone is 0.65 s of transfer and a few hundred ms of script at 4× CPU, after the receipt had
// already been verified. d3-sankey only computes positions (a few KB); drawing, labels and
// tooltips (SVG <title>) are done here.
import { sankey, sankeyJustify, sankeyLinkHorizontal, type SankeyLink, type SankeyNode } from 'd3-sankey';
import type { Donation, GoodsTrace, GoodsTraceNode, Trace, TraceNode } from '../api';
import { svg } from '../dom';
import { name, yuan } from '../format';
import { lang, t, tEnum } from '../i18n';

const MIN_LABEL_PX = 56; // a middle-column label narrower than this is not drawn

interface GNode {
  name: string; // unique key
  display: string;
  kind: 'root' | 'account' | 'spent' | 'unspent' | 'refunded' | 'untraced';
  color: string;
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
  links: GLink[];
}

// How a flow's values read: fen as yuan for money, units of the item for goods.
export type ValueFormat = (value: number) => string;

// Nodes and links of one graph as a walk adds them: a node reached again keeps its deepest
// column; links between the same two nodes add up; empty links are dropped.
function graphBuilder() {
  const nodes = new Map<string, GNode>();
  const links = new Map<string, GLink>();
  const node = (key: string, display: string, kind: GNode['kind'], depth: number): string => {
    const existing = nodes.get(key);
    if (existing) existing.depth = Math.max(existing.depth ?? 0, depth);
    else nodes.set(key, { name: key, display, kind, color: COLORS[kind], depth });
    return key;
  };
  const link = (source: string, target: string, value: number) => {
    if (value <= 0) return;
    const k = `${source}\u0000${target}`;
    const l = links.get(k);
    if (l) l.value += value;
    else links.set(k, { source, target, value });
  };
  const graph = (): SankeyGraph => ({ nodes: [...nodes.values()], links: [...links.values()] });
  return { node, link, graph };
}

export function buildGraph(trace: Trace): SankeyGraph {
  const { node, link, graph } = graphBuilder();
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
  return graph();
}

type LNode = SankeyNode<GNode, GLink>;
type GLink = { source: string; target: string; value: number };
type LLink = SankeyLink<GNode, GLink>;

interface Geometry {
  width: number;
  height: number;
  right: number; // room for the last column's labels, right of its nodes
  nodeWidth: number;
  fontSize: number;
  lineHeight: number;
  middleLabels: boolean;
  gap: number; // between one column's nodes and the next column's
}

// Sizes for a container `width` px wide: each label is one line of name (cut with an ellipsis;
// the full name is in the tooltip and in the hop list) and one line of amount, and nodes of a
// column are kept at least those two lines apart. Labels of the middle columns are dropped when a
// column is too narrow to hold a readable one.
function geometry(graph: SankeyGraph, width: number): Geometry & { nodePadding: number } {
  const narrow = width < 560;
  const columns = Math.max(2, ...graph.nodes.map((n) => (n.depth ?? 0) + 1));
  const right = Math.round(Math.min(240, width * (narrow ? 0.38 : 0.26)));
  const nodeWidth = narrow ? 10 : 14;
  const gap = (width - 16 - right - nodeWidth * columns) / Math.max(1, columns - 1);
  const fontSize = narrow ? 11 : 12;
  const lineHeight = fontSize + 3;
  const nodePadding = 2 * lineHeight + 8;
  // The tallest column sets the height: sinks all stand in the last one.
  const perColumn = new Map<number, number>();
  const sinks = graph.nodes.filter((n) => !graph.links.some((l) => l.source === n.name)).length;
  for (const n of graph.nodes) perColumn.set(n.depth ?? 0, (perColumn.get(n.depth ?? 0) ?? 0) + 1);
  const rows = Math.max(sinks, ...perColumn.values());
  const height = Math.max(narrow ? 320 : 300, Math.min(1400, rows * (nodePadding + 2 * lineHeight) + 40));
  return { width, height, right, nodeWidth, fontSize, lineHeight, nodePadding, gap, middleLabels: gap - 10 >= MIN_LABEL_PX };
}

const title = (text: string): SVGElement => {
  const el = svg('title');
  el.textContent = text;
  return el;
};

// Cuts `el`'s text with an ellipsis until it is at most `maxPx` wide (measured as rendered).
function fit(el: SVGTextContentElement, full: string, maxPx: number): void {
  el.textContent = full;
  if (el.getComputedTextLength() <= maxPx) return;
  let lo = 0;
  let hi = full.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    el.textContent = `${full.slice(0, mid)}…`;
    if (el.getComputedTextLength() <= maxPx) lo = mid;
    else hi = mid - 1;
  }
  el.textContent = lo > 0 ? `${full.slice(0, lo)}…` : '';
}

function drawLabels(root: SVGElement, nodes: LNode[], planned: Geometry, format: ValueFormat): void {
  // The room between columns as d3 laid them out (its column count can differ from the trace's
  // depth), so a middle label never reaches into the next column.
  const xs = [...new Set(nodes.map((n) => Math.round(n.x0!)))].sort((a, b) => a - b);
  const steps = xs.slice(1).map((x, i) => x - xs[i]);
  const gap = steps.length ? Math.min(...steps) - planned.nodeWidth : planned.gap;
  const g: Geometry = { ...planned, gap, middleLabels: gap - 10 >= MIN_LABEL_PX };
  const layer = svg('g', { class: 'sankey-labels', 'font-size': g.fontSize, fill: '#1f2328' });
  root.appendChild(layer);
  // Per column, top to bottom: a label is dropped rather than drawn over the one above it (only
  // possible when the diagram hit its height cap and d3 had to narrow the gaps).
  const bottoms = new Map<number, number>();
  for (const n of [...nodes].sort((a, b) => a.y0! - b.y0!)) {
    const sink = (n.sourceLinks ?? []).length === 0;
    if (!sink && !g.middleLabels) continue;
    const maxPx = sink ? g.right - 12 : g.gap - 10;
    const mid = (n.y0! + n.y1!) / 2;
    // Two lines around the node's middle, with room for descenders below the second.
    const top = mid - g.lineHeight - 2;
    const column = Math.round(n.x0!);
    if (top < (bottoms.get(column) ?? -Infinity)) continue;
    bottoms.set(column, mid + g.lineHeight + 4);
    const text = svg('text', { x: n.x1! + 5, y: mid, 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3, 'stroke-linejoin': 'round' });
    const line1 = svg('tspan', { x: n.x1! + 5, dy: -2 }) as SVGTextContentElement;
    const line2 = svg('tspan', { x: n.x1! + 5, dy: g.lineHeight }) as SVGTextContentElement;
    text.append(line1, line2);
    layer.appendChild(text); // measured in place, so the page's own font decides the cut
    fit(line1, n.display, maxPx);
    fit(line2, format(n.value ?? 0), maxPx);
  }
}

function draw(container: HTMLElement, graph: SankeyGraph, width: number, format: ValueFormat): void {
  const g = geometry(graph, width);
  container.style.height = `${g.height}px`;
  const layout = sankey<GNode, GLink>()
    .nodeId((n) => n.name)
    .nodeAlign(sankeyJustify) // sinks (spent, unspent, refunded) in the last column, labelled on their right
    .nodeWidth(g.nodeWidth)
    .nodePadding(g.nodePadding)
    .iterations(32)
    .extent([[8, g.lineHeight + 2], [g.width - g.right, g.height - g.lineHeight - 2]]);
  const { nodes, links } = layout({ nodes: graph.nodes.map((n) => ({ ...n })), links: graph.links.map((l) => ({ ...l })) });
  const root = svg('svg', { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, 'aria-hidden': 'true', focusable: 'false' });
  const path = sankeyLinkHorizontal<GNode, GLink>();
  const linkLayer = svg('g', { class: 'sankey-links', fill: 'none' });
  for (const l of links as LLink[]) {
    const from = l.source as LNode;
    const to = l.target as LNode;
    linkLayer.appendChild(
      svg('path', { d: path(l) ?? '', stroke: from.color, 'stroke-opacity': 0.3, 'stroke-width': Math.max(1, l.width ?? 1) }, title(`${from.display} → ${to.display}\n${format(l.value)}`)),
    );
  }
  const nodeLayer = svg('g', { class: 'sankey-nodes' });
  for (const n of nodes) {
    nodeLayer.appendChild(
      svg('rect', { x: n.x0!, y: n.y0!, width: n.x1! - n.x0!, height: Math.max(1, n.y1! - n.y0!), fill: n.color }, title(`${n.display}\n${format(n.value ?? 0)}`)),
    );
  }
  root.append(linkLayer, nodeLayer);
  container.replaceChildren(root);
  drawLabels(root, nodes, g, format);
}

// Draws into `container` at its width, and again whenever that width changes.
export function renderSankey(container: HTMLElement, trace: Trace): () => void {
  return renderGraph(container, buildGraph(trace), yuan);
}

// A goods donation's path in units of its item (issue 19): holders are nodes; what was handed
// out ends in one node per place, what is held in one per holder.
export function buildGoodsGraph(goods: GoodsTrace): SankeyGraph {
  const { node, link, graph } = graphBuilder();
  const holderName = (n: GoodsTraceNode) => (lang() === 'zh' ? n.holder_name_zh || n.holder_name_en : n.holder_name_en || n.holder_name_zh) || n.holder;
  const walk = (n: GoodsTraceNode, parent: string | null, ancestors: string[]) => {
    const key = ancestors.includes(n.account) ? `${n.account}#${ancestors.length}` : n.account;
    const depth = ancestors.length;
    const at = node(key, holderName(n), depth === 0 ? 'root' : 'account', depth);
    if (parent) link(parent, at, n.quantity);
    if (n.fate === 'distributed') {
      const place = n.tx?.place_name ?? '';
      link(at, node(`distributed:${place}`, `${t('goods.distributed')} · ${place}`, 'spent', depth + 1), n.quantity);
    } else if (n.fate === 'unspent') {
      link(at, node(`held:${key}`, `${t('goods.held')} · ${holderName(n)}`, 'unspent', depth + 1), n.quantity);
    } else {
      let followed = 0;
      for (const c of n.children) {
        walk(c, at, [...ancestors, n.account]);
        followed += c.quantity;
      }
      if (followed < n.quantity) link(at, node('untraced', t('receipt.untraced'), 'untraced', depth + 1), n.quantity - followed);
    }
  };
  for (const n of goods.nodes) walk(n, null, []);
  return graph();
}

export function renderGraph(container: HTMLElement, graph: SankeyGraph, format: ValueFormat): () => void {
  let drawnWidth = container.clientWidth || 360;
  draw(container, graph, drawnWidth, format);
  let frame = 0;
  const resize = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const width = container.clientWidth || 360;
      if (width !== drawnWidth && container.isConnected) {
        drawnWidth = width;
        draw(container, graph, width, format);
      }
    });
  };
  window.addEventListener('resize', resize);
  return () => {
    cancelAnimationFrame(frame);
    window.removeEventListener('resize', resize);
    container.replaceChildren();
  };
}

export const graphSummary = (donation: Donation, trace: Trace): string =>
  t('receipt.flow_summary', {
    amount: yuan(donation.amount_fen),
    to: name(donation.to, donation.account),
    spent: yuan(trace.totals.spent_fen),
    unspent: yuan(trace.totals.unspent_fen),
  });
