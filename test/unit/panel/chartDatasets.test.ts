// setDatasets (webview/charts/datasets.ts) keeps the dataset object of a series that stays (same label),
// so Chart.js keeps its controller and point elements; summarizeChart counts points and finite ranges.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chart } from 'chart.js';
import { setDatasets, summarizeChart } from '../../../webview/charts/datasets';

const chartOf = (datasets: unknown[]): Chart => ({ data: { datasets } }) as unknown as Chart;

describe('chart datasets across renders', () => {
  test('a series with the same label keeps its object, with the new properties only', () => {
    const adam = { label: 'Adam  loss', data: [{ x: 0, y: 1 }], borderDash: [4, 2], odOverflow: [3] };
    const sgd = { label: 'SGD  loss', data: [{ x: 0, y: 2 }] };
    const chart = chartOf([adam, sgd]);
    const next = [
      { label: 'Adam  loss', data: [{ x: 0, y: 5 }, { x: 1, y: 4 }], borderDash: [] },
      { label: 'Lion  loss', data: [{ x: 0, y: 3 }] },
    ];
    setDatasets(chart, next as never);
    const ds = chart.data.datasets as unknown as Record<string, unknown>[];
    assert.equal(ds.length, 2);
    assert.equal(ds[0], adam, 'the same object');
    assert.deepEqual(ds[0], next[0], 'with exactly the new properties (odOverflow gone)');
    assert.equal(ds[1], next[1], 'a new series is added as it is');
  });

  test('summarizeChart: points, labels and the finite x / y ranges', () => {
    const chart = chartOf([
      { label: 'a', data: [{ x: 0, y: 1 }, { x: 5, y: NaN }, { x: 10, y: 0.5 }] },
      { label: 'b', data: [{ x: 2, y: Infinity }, { x: 3, y: 7 }] },
    ]);
    assert.deepEqual(summarizeChart(chart, true, 'logarithmic'), {
      datasets: 2, points: 5, labels: ['a', 'b'], xRange: [0, 10], yRange: [0.5, 7], yScale: 'logarithmic', visible: true,
    });
  });
});
