// Messages from the webview are untrusted: parseFromWebview accepts well-formed ones (normalised)
// and rejects everything else without throwing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LIMITS, parseFromWebview, parseSessionConfig, type FromWebview, type SessionConfig } from '../../../src/protocol/messages';

const config: SessionConfig = {
  loss: { kind: 'builtin', name: 'canyon' },
  runs: [
    { id: 'r1', optimizer: 'adam', hyperparameters: { lr: 0.02, betas: [0.9, 0.999], amsgrad: false } },
    { id: 'r2', optimizer: 'sgd', hyperparameters: { lr: 0.09, momentum: 0.9 } },
  ],
  steps: 500,
  seed: 0,
};

const summary = {
  panelId: 'p1', runs: 1, runIds: ['r1'], paintMs: 12.5, cause: 'run/snapshot', step: 500, error: null, phase: 'done', linked: false,
  charts: { convergence: { datasets: 2, points: 1001, labels: ['Adam loss', 'Adam ‖∇f‖'], xRange: [0, 500], yRange: [1e-4, 17], yScale: 'logarithmic', visible: true } },
};

const valid: FromWebview[] = [
  { type: 'webview/ready', chartWidth: 812 },
  { type: 'webview/didRender', summary: summary as never },
  { type: 'webview/didError', message: 'oops' },
  { type: 'run/start', config, live: true },
  { type: 'run/stop' },
  { type: 'run/addToComparison', optimizer: 'rmsprop' },
  { type: 'run/remove', runId: 'r2' },
  { type: 'view/selectParams', indices: [0, 3, 7] },
  { type: 'view/resize', chartWidth: 600 },
  { type: 'view/openSideBySide' },
  { type: 'export/run', format: 'png' },
  { type: 'export/didCaptureCharts', requestId: 'c1', images: [{ chart: 'convergence', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }] },
];

describe('parseFromWebview', () => {
  test('accepts every well-formed message and returns an equal value', () => {
    for (const m of valid) assert.deepEqual(parseFromWebview(JSON.parse(JSON.stringify(m))), m, m.type);
  });

  test('drops unknown fields (the host never sees more than the protocol declares)', () => {
    const m = parseFromWebview({ type: 'run/stop', evil: true });
    assert.deepEqual(m, { type: 'run/stop' });
  });

  const invalid: [string, unknown][] = [
    ['not an object', 'run/stop'],
    ['null', null],
    ['array', [{ type: 'run/stop' }]],
    ['unknown type', { type: 'run/delete-everything' }],
    ['host-to-webview type', { type: 'run/snapshot', snapshot: {} }],
    ['ready without width', { type: 'webview/ready' }],
    ['negative width', { type: 'view/resize', chartWidth: -1 }],
    ['unknown optimizer', { type: 'run/addToComparison', optimizer: 'eval' }],
    ['bad run id', { type: 'run/remove', runId: '../../etc' }],
    ['format', { type: 'export/run', format: 'exe' }],
    ['too many params', { type: 'view/selectParams', indices: Array.from({ length: LIMITS.maxParams + 1 }, (_, i) => i) }],
    ['fractional index', { type: 'view/selectParams', indices: [1.5] }],
    ['non-PNG data URL', { type: 'export/didCaptureCharts', requestId: 'c1', images: [{ chart: 'x', dataUrl: 'data:text/html,<script>' }] }],
    ['bad chart name', { type: 'export/didCaptureCharts', requestId: 'c1', images: [{ chart: '../evil', dataUrl: 'data:image/png;base64,AA' }] }],
    ['run/start without live', { type: 'run/start', config }],
    ['NaN hyperparameter', { type: 'run/start', live: false, config: { ...config, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr: NaN } }] } }],
    ['string hyperparameter', { type: 'run/start', live: false, config: { ...config, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { lr: '0.1' } }] } }],
    ['prototype key', { type: 'run/start', live: false, config: { ...config, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: JSON.parse('{"__proto__": 1}') }] } }],
    ['odd key', { type: 'run/start', live: false, config: { ...config, runs: [{ id: 'r1', optimizer: 'adam', hyperparameters: { 'lr; rm -rf': 1 } }] } }],
    ['duplicate run ids', { type: 'run/start', live: false, config: { ...config, runs: [config.runs[0], config.runs[0]] } }],
    ['no runs', { type: 'run/start', live: false, config: { ...config, runs: [] } }],
    ['too many steps', { type: 'run/start', live: false, config: { ...config, steps: LIMITS.maxSteps + 1 } }],
    ['zero steps', { type: 'run/start', live: false, config: { ...config, steps: 0 } }],
    ['bad loss ref', { type: 'run/start', live: false, config: { ...config, loss: { kind: 'url', path: 'http://x' } } }],
    ['render summary with bad scale', { type: 'webview/didRender', summary: { ...summary, charts: { c: { ...summary.charts.convergence, yScale: 'cubic' } } } }],
    ['render summary with unknown phase', { type: 'webview/didRender', summary: { ...summary, phase: 'exploded' } }],
    ['huge message', { type: 'webview/didError', message: 'x'.repeat(LIMITS.maxStringLength + 1) }],
  ];
  for (const [what, m] of invalid) {
    test(`rejects: ${what}`, () => assert.equal(parseFromWebview(m), undefined));
  }

  test('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        parseFromWebview(v);
        parseFromWebview({ type: 'run/start', live: true, config: v });
        parseFromWebview({ type: 'webview/didRender', summary: v });
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSessionConfig', () => {
  test('round-trips and keeps loss files by path; copies hyperparameter pairs', () => {
    const file: SessionConfig = { ...config, loss: { kind: 'file', path: '/ws/a.loss.ts' }, batchSize: 16 };
    const parsed = parseSessionConfig(JSON.parse(JSON.stringify(file)))!;
    assert.deepEqual(parsed, file);
    assert.notEqual(parsed.runs[0]!.hyperparameters['betas'], file.runs[0]!.hyperparameters['betas']);
  });
  test('persisted state that is not a config gives undefined (the serializer falls back)', () => {
    assert.equal(parseSessionConfig(undefined), undefined);
    assert.equal(parseSessionConfig({ loss: 'canyon' }), undefined);
  });
});
