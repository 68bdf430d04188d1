import { describe, expect, it } from 'vitest';
import { layeredGrid } from '../web/src/layered-grid.js';

const size = { width: 100, height: 40 };
const layerOf = (placed: { id: string; x: number }[], id: string) => (placed.find((p) => p.id === id)!.x - 12) / (size.width + 60);
const rowOf = (placed: { id: string; y: number }[], id: string) => (placed.find((p) => p.id === id)!.y - 12) / (size.height + 24);

describe('layeredGrid (the layout of graphs too large for ELK)', () => {
  it('puts each node one layer after its deepest upstream, in the given order within a layer', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const edges = [
      { from: 'a', to: 'c' },
      { from: 'b', to: 'c' },
      { from: 'c', to: 'd' },
      { from: 'a', to: 'd' },
      { from: 'b', to: 'e' },
    ];
    const placed = layeredGrid(ids, edges, size);
    expect(ids.map((id) => layerOf(placed, id))).toEqual([0, 0, 1, 2, 1]);
    expect(ids.map((id) => rowOf(placed, id))).toEqual([0, 1, 0, 0, 1]);
  });

  it('places nodes on a cycle after every other layer instead of looping', () => {
    const placed = layeredGrid(['s', 'x', 'y'], [{ from: 's', to: 'x' }, { from: 'x', to: 'y' }, { from: 'y', to: 'x' }], size);
    expect(['s', 'x', 'y'].map((id) => layerOf(placed, id))).toEqual([0, 1, 1]);
  });

  it('lays out 500 nodes with 1,200 edges without two nodes on one spot', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `t${i}`);
    const edges = Array.from({ length: 1200 }, (_, i) => ({ from: `t${i % 400}`, to: `t${(i % 400) + 1 + (i % 97)}` })).filter((e) => Number(e.to.slice(1)) < 500);
    const placed = layeredGrid(ids, edges, size);
    expect(new Set(placed.map((p) => `${p.x},${p.y}`)).size).toBe(500);
    for (const e of edges) expect(layerOf(placed, e.to)).toBeGreaterThan(layerOf(placed, e.from));
  });
});
