// The organisation and project pages' list of distribution points grouped by GB/T 2260 region
// (src/goods_regions.ts, used by src/ui/goods.ts): one group per region code, in the order of each region's latest
// distribution, with only distributions in it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

const { groupByRegion } = await load('goods_regions.ts');

const row = (kind, region, region_name, place) => ({ kind, region, region_name, place_name: place, quantity: 1, item: { unit: '只' } });

describe('distribution points by region', () => {
  it('groups distributions by region code, newest region first, and leaves other kinds out', () => {
    const groups = groupByRegion([
      row('goods_distribution', '330108', '浙江省杭州市滨江区', 'A'),
      row('goods_transfer', undefined, undefined, ''),
      row('goods_distribution', '330106', '浙江省杭州市西湖区', 'B'),
      row('goods_donation', undefined, undefined, ''),
      row('goods_distribution', '330108', '浙江省杭州市滨江区', 'C'),
    ]);
    assert.deepEqual(groups.map((g) => [g.region, g.name, g.rows.map((r) => r.place_name)]), [
      ['330108', '浙江省杭州市滨江区', ['A', 'C']],
      ['330106', '浙江省杭州市西湖区', ['B']],
    ]);
  });

  it('names a region by its code when the regions table has no name, and is empty for no distributions', () => {
    assert.deepEqual(groupByRegion([row('goods_distribution', '999999', null, 'X')]).map((g) => g.name), ['999999']);
    assert.deepEqual(groupByRegion([]), []);
    assert.deepEqual(groupByRegion([row('goods_transfer', '', null, '')]), []);
  });
});
