// Distribution points grouped by GB/T 2260 region, for the organisation and project pages. Kept
// free of the DOM so the explorer's unit tests load it in node (explorer/test/goods.test.mjs).
import type { GoodsHistoryRow } from './api';

export interface RegionGroup {
  region: string;
  name: string; // the regions table's name, or the code when the table has none
  rows: GoodsHistoryRow[];
}

// One group per region code, in the order of each region's first row (the history is newest
// first), holding only distributions.
export function groupByRegion(rows: GoodsHistoryRow[]): RegionGroup[] {
  const groups = new Map<string, RegionGroup>();
  for (const r of rows) {
    if (r.kind !== 'goods_distribution' || !r.region) continue;
    let g = groups.get(r.region);
    if (!g) groups.set(r.region, (g = { region: r.region, name: r.region_name ?? r.region, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()];
}
