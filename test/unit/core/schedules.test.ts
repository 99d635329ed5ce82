// Hand arithmetic for every torch.optim.lr_scheduler class (torch 1.13's formulas, a few steps each), the
// compositions (ChainedScheduler, SequentialLR with its step(0) at milestones), and the simulation's use of
// a schedule: lr per step, a cycled momentum / β₁ read by the kernel, optimizer switches with fresh state.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinProblem,
  getBuiltinLoss,
  createOptimizer,
  createScheduledOptimizer,
  createSegments,
  parseSchedulerSpec,
  previewSchedule,
  recordedRows,
  rowBytes,
  unionNames,
  checkSchedule,
  ScheduleError,
  Simulation,
  simulate,
  SCHEDULE_CLASSES,
  type ScheduleConfig,
} from '../../../src/core';

const one = (text: string): ScheduleConfig => ({ schedulers: [parseSchedulerSpec(text)] });
/** lr (and momentum) of the first `steps` steps of `config` on lr0, as previewSchedule gives them. */
const lrs = (config: ScheduleConfig, steps: number, lr0 = 1, kind: 'momentum' | 'beta1' | null = 'momentum', mom = 0.9, losses?: number[]) =>
  previewSchedule(config, lr0, kind, mom, steps, losses);

function near(got: ArrayLike<number>, want: readonly number[], what: string, tol = 1e-15): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let k = 0; k < want.length; k++) {
    assert.ok(Math.abs(got[k]! - want[k]!) <= tol * Math.max(1, Math.abs(want[k]!)), `${what}[${k}]: ${got[k]} vs ${want[k]}`);
  }
}

describe('schedulers by hand (torch 1.13 get_lr, lr0 = 1 unless said)', () => {
  test('StepLR step_size=2 gamma=0.5: 1, 1, 0.5, 0.5, 0.25', () => near(lrs(one('StepLR step_size=2 gamma=0.5'), 5).lr, [1, 1, 0.5, 0.5, 0.25], 'StepLR'));
  test('MultiStepLR milestones=2,4 gamma=0.1 (and a repeated milestone multiplies twice)', () => {
    near(lrs(one('MultiStepLR milestones=2,4 gamma=0.1'), 5).lr, [1, 1, 0.1, 0.1, 0.1 * 0.1], 'MultiStepLR');
    near(lrs(one('MultiStepLR milestones=2,2 gamma=0.1'), 3).lr, [1, 1, 0.1 ** 2], 'MultiStepLR twice');
  });
  test('ExponentialLR gamma=0.5: 1, 0.5, 0.25, 0.125', () => near(lrs(one('ExponentialLR gamma=0.5'), 4).lr, [1, 0.5, 0.25, 0.125], 'ExponentialLR'));
  test('ConstantLR factor=0.5 total_iters=2: 0.5, 0.5, 1, 1 (default factor 1/3 for 5 steps)', () => {
    near(lrs(one('ConstantLR factor=0.5 total_iters=2'), 4).lr, [0.5, 0.5, 1, 1], 'ConstantLR');
    near(lrs(one('ConstantLR'), 7).lr, [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, (1 / 3) * 3, (1 / 3) * 3], 'ConstantLR defaults');
  });
  test('LinearLR start_factor=0.5 total_iters=2: 0.5, 0.5·(1 + 0.5/1) = 0.75, 0.75·(1 + 0.5/1.5) = 1, 1', () =>
    near(lrs(one('LinearLR start_factor=0.5 end_factor=1 total_iters=2'), 4).lr, [0.5, 0.75, 1, 1], 'LinearLR'));
  test('PolynomialLR total_iters=4: power 1 → 1, 0.75, 0.5, 0.25, 0, 0; power 2 → squares', () => {
    near(lrs(one('PolynomialLR total_iters=4 power=1'), 6).lr, [1, 0.75, 0.5, 0.25, 0, 0], 'PolynomialLR');
    near(lrs(one('PolynomialLR total_iters=4 power=2'), 5).lr, [1, 0.5625, 0.25, 0.0625, 0], 'PolynomialLR²', 1e-15);
  });
  test('CosineAnnealingLR T_max=2 (recursive form): 1, ½, 0, then back up: ½ by the restart branch, 1', () => {
    const c = Math.cos;
    const pi = Math.PI;
    const l1 = ((1 + c(pi / 2)) / (1 + c(0))) * 1; // (1 + cos(π·1/2)) / (1 + cos 0) · (lr − 0)
    const l2 = ((1 + c(pi)) / (1 + c(pi / 2))) * l1;
    const l3 = l2 + ((1 - 0) * (1 - c(pi / 2))) / 2; // (t − 1 − T_max) mod 2T_max = 0
    const l4 = ((1 + c(2 * pi)) / (1 + c((3 * pi) / 2))) * l3;
    near(lrs(one('CosineAnnealingLR T_max=2'), 5).lr, [1, l1, l2, l3, l4], 'CosineAnnealingLR', 0);
    near([l1, l2, l3, l4], [0.5, 0, 0.5, 1], 'its values', 1e-15);
  });
  test('CosineAnnealingLR is chainable: after ExponentialLR in a ChainedScheduler it scales the current lr (not the closed form)', () => {
    // lr 1 → Exp 0.5 then Cos ((1+cos(π/2))/2)·0.5 = 0.25 → Exp 0.125 then Cos 0
    near(lrs({ schedulers: [parseSchedulerSpec('ExponentialLR gamma=0.5'), parseSchedulerSpec('CosineAnnealingLR T_max=2')] }, 3).lr, [1, 0.25, 0], 'chained cosine');
  });
  test('CosineAnnealingWarmRestarts T_0=2 T_mult=2: 1, ½, restart 1, cycle of 4: (1+cos(π/4))/2, ½, (1+cos(3π/4))/2, restart 1', () =>
    near(lrs(one('CosineAnnealingWarmRestarts T_0=2 T_mult=2'), 7).lr, [1, 0.5, 1, (1 + Math.cos(Math.PI / 4)) / 2, 0.5, (1 + Math.cos((3 * Math.PI) / 4)) / 2, 1], 'SGDR'));
  test('OneCycleLR max_lr=1 total_steps=10 linear, div 10, final div 100: lr and momentum', () => {
    const r = lrs(one('OneCycleLR max_lr=1 total_steps=10 anneal_strategy=linear div_factor=10 final_div_factor=100'), 10);
    // phase 1 ends at 0.3·10 − 1 = 2: 0.1 → 1; phase 2 ends at 9: 1 → 0.1/100 = 0.001
    near(r.lr, [0.1, 0.55, 1, 1 - 0.999 / 7, 1 - (2 * 0.999) / 7, 1 - (3 * 0.999) / 7, 1 - (4 * 0.999) / 7, 1 - (5 * 0.999) / 7, 1 - (6 * 0.999) / 7, 0.001], 'lr', 1e-14);
    near(r.momentum!, [0.95, 0.9, 0.85, 0.85 + 0.1 / 7, 0.85 + 0.2 / 7, 0.85 + 0.3 / 7, 0.85 + 0.4 / 7, 0.85 + 0.5 / 7, 0.85 + 0.6 / 7, 0.95], 'momentum', 1e-14);
  });
  test('OneCycleLR cos (default) at the middle of phase 1 is the mean; three_phase goes back to the initial lr; β₁ for Adam', () => {
    const cos = lrs(one('OneCycleLR max_lr=1 total_steps=10 div_factor=10'), 3, 1, 'beta1');
    near(cos.lr, [0.1, 1 + ((0.1 - 1) / 2) * (Math.cos(Math.PI * 0.5) + 1), 1], 'cos lr');
    near(cos.momentum!, [0.95, 0.85 + ((0.95 - 0.85) / 2) * (Math.cos(Math.PI * 0.5) + 1), 0.85], 'β₁');
    // three phases end at 2, 4, 9
    const three = lrs(one('OneCycleLR max_lr=1 total_steps=10 anneal_strategy=linear div_factor=10 final_div_factor=100 three_phase=true'), 10);
    near(three.lr.subarray(2, 6), [1, 0.55, 0.1, (0.001 - 0.1) * 0.2 + 0.1], 'three_phase', 1e-14);
    assert.throws(() => previewSchedule(one('OneCycleLR max_lr=1 total_steps=10'), 1, null, NaN, 5), /optimizer must support momentum/);
    assert.throws(() => checkSchedule(one('OneCycleLR max_lr=1 total_steps=10'), 11), /total_steps=10 is fewer than the 11 steps/);
    near(lrs(one('OneCycleLR max_lr=1 epochs=2 steps_per_epoch=5 anneal_strategy=linear div_factor=10 final_div_factor=100'), 10).lr.subarray(9), [0.001], 'epochs × steps_per_epoch');
  });
  test('CyclicLR base_lr=0.1 max_lr=1 step_size_up=2: triangular, triangular2, exp_range, with momentum 0.9 ↔ 0.8', () => {
    const tri = lrs(one('CyclicLR base_lr=0.1 max_lr=1 step_size_up=2'), 9);
    near(tri.lr, [0.1, 0.55, 1, 0.55, 0.1, 0.55, 1, 0.55, 0.1], 'triangular', 1e-15);
    near(tri.momentum!, [0.9, 0.85, 0.8, 0.85, 0.9, 0.85, 0.8, 0.85, 0.9], 'momentum', 1e-15);
    const tri2 = lrs(one('CyclicLR base_lr=0.1 max_lr=1 step_size_up=2 mode=triangular2'), 9);
    near(tri2.lr, [0.1, 0.55, 1, 0.55, 0.1, 0.1 + 0.9 * 0.5 * 0.5, 0.1 + 0.9 * 0.5, 0.1 + 0.9 * 0.5 * 0.5, 0.1], 'triangular2', 1e-15);
    const exp = lrs(one('CyclicLR base_lr=0.1 max_lr=1 step_size_up=2 mode=exp_range gamma=0.5'), 3);
    near(exp.lr, [0.1, 0.1 + 0.9 * 0.5 * 0.5, 0.1 + 0.9 * 0.25], 'exp_range', 1e-15);
    near(exp.momentum!, [0.9, 0.9 - 0.1 * 0.5 * 0.5, 0.9 - 0.1 * 0.25], 'exp_range momentum', 1e-15);
    // step_size_down: up 1, down 3 → 0.1, 1, 0.7, 0.4, 0.1
    near(lrs(one('CyclicLR base_lr=0.1 max_lr=1 step_size_up=1 step_size_down=3 cycle_momentum=false'), 5).lr, [0.1, 1, 0.7, 0.4, 0.1], 'asymmetric', 1e-15);
    assert.throws(() => previewSchedule(one('CyclicLR base_lr=0.1 max_lr=1'), 1, 'beta1', 0.9, 3), /torch 1\.13 cycles `momentum` only/);
  });
  test('ReduceLROnPlateau factor=0.5 patience=1 threshold_mode=abs threshold=0: halves after 2 steps without a lower loss', () => {
    const losses = [5, 5, 5, 5, 4, 4, 4, 4];
    near(lrs(one('ReduceLROnPlateau factor=0.5 patience=1 threshold=0 threshold_mode=abs'), 8, 1, null, NaN, losses).lr, [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25], 'plateau');
    // cooldown=2 ignores the two steps after a reduction; min_lr bounds it; rel threshold 0.1: 9.5 is no improvement on 10
    near(lrs(one('ReduceLROnPlateau factor=0.5 patience=0 threshold=0 threshold_mode=abs cooldown=2 min_lr=0.3'), 8, 1, null, NaN, [5, 5, 5, 5, 5, 5, 5, 5]).lr, [1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3], 'cooldown, min_lr');
    near(lrs(one('ReduceLROnPlateau factor=0.5 patience=0 threshold=0.1'), 3, 1, null, NaN, [10, 9.5, 9.5]).lr, [1, 1, 0.5], 'rel');
    near(lrs(one('ReduceLROnPlateau mode=max factor=0.5 patience=0 threshold=0 threshold_mode=abs'), 3, 1, null, NaN, [1, 2, 2]).lr, [1, 1, 1], 'max: a higher value is better');
    // without losses (a preview) it keeps its lr
    near(lrs(one('ReduceLROnPlateau'), 3).lr, [1, 1, 1], 'no losses');
  });
  test('SequentialLR(ConstantLR factor=0.5 total_iters=10, ExponentialLR gamma=0.5; milestones=2): 1.13 steps the next with step(0) = its closed form', () => {
    const cfg: ScheduleConfig = { schedulers: [parseSchedulerSpec('ConstantLR factor=0.5 total_iters=10'), parseSchedulerSpec('ExponentialLR gamma=0.5')], milestones: [2] };
    near(lrs(cfg, 5).lr, [0.5, 0.5, 1, 0.5, 0.25], 'SequentialLR');
  });
  test('ChainedScheduler(ConstantLR factor=0.1 total_iters=2, ExponentialLR gamma=0.9): 0.1, 0.09, 0.81, 0.729, 0.6561', () => {
    const cfg: ScheduleConfig = { schedulers: [parseSchedulerSpec('ConstantLR factor=0.1 total_iters=2'), parseSchedulerSpec('ExponentialLR gamma=0.9')] };
    near(lrs(cfg, 5).lr, [0.1, 0.1 * 0.9, 0.1 * 0.9 * 10 * 0.9, 0.1 * 0.9 * 10 * 0.9 * 0.9, 0.1 * 0.9 * 10 * 0.9 * 0.9 * 0.9], 'Chained', 1e-15);
  });
  test('the schema: every class has torch\'s name, required keywords have no default, the text form round-trips', () => {
    for (const c of Object.values(SCHEDULE_CLASSES)) {
      assert.equal(c.torchName, `torch.optim.lr_scheduler.${c.name}`);
      for (const p of c.params) assert.equal(p.required === true, p.default === undefined, `${c.name}.${p.name}`);
    }
    const s = parseSchedulerSpec('torch.optim.lr_scheduler.MultiStepLR milestones=50,120 gamma=0.5');
    assert.deepEqual(s, { name: 'MultiStepLR', args: { milestones: [50, 120], gamma: 0.5 } });
    assert.deepEqual(parseSchedulerSpec('OneCycleLR max_lr=1 total_steps=None epochs=2 steps_per_epoch=3 cycle_momentum=false').args, { max_lr: 1, total_steps: null, epochs: 2, steps_per_epoch: 3, cycle_momentum: false });
    assert.throws(() => parseSchedulerSpec('StepLR step_size=None'), ScheduleError);
  });
});

describe('schedules in the simulation', () => {
  const canyon = builtinProblem(getBuiltinLoss('canyon'));
  const start = Float64Array.from([-4, 1]);
  test('lr[t] is the lr step t+1 used: SGD under StepLR by hand', () => {
    const rec = simulate({ problem: canyon, optimizer: createOptimizer('sgd', { lr: 0.04 }), start, steps: 3, schedule: one('StepLR step_size=2 gamma=0.5') });
    assert.deepEqual([...rec.lr], [0.04, 0.04, 0.02]);
    // θ3 = θ2 − 0.02·∇f(θ2), ∇f = (2x, 20y)
    const x2 = rec.params[4]!;
    const y2 = rec.params[5]!;
    assert.equal(rec.params[6], x2 - 0.02 * (2 * x2));
    assert.equal(rec.params[7], y2 - 0.02 * (20 * y2));
    assert.equal(rec.momentum, null);
  });
  test('a cycled β₁ (OneCycleLR on Adam) is what the kernel uses: two Adam steps by hand', () => {
    const schedule = one('OneCycleLR max_lr=0.1 total_steps=10');
    const opt = createScheduledOptimizer('adam', { lr: 0.01 }, schedule);
    assert.deepEqual(opt.hyperparameters['betas'], [0.95, 0.999], 'the schedule set β₁ = max_momentum at construction, as torch does');
    const rec = simulate({ problem: canyon, optimizer: opt, start, steps: 2, schedule });
    const [b1a, b1b] = [rec.momentum![0]!, rec.momentum![1]!];
    const want = previewSchedule(schedule, 0.01, 'beta1', 0.9, 2);
    assert.deepEqual([...rec.lr], [...want.lr]);
    assert.deepEqual([b1a, b1b], [...want.momentum!]);
    const b2 = 0.999;
    const eps = 1e-8;
    const g0 = [2 * -4, 20 * 1];
    const g1 = [rec.grad[2]!, rec.grad[3]!];
    for (let i = 0; i < 2; i++) {
      const m1 = (1 - b1a) * g0[i]!;
      const v1 = (1 - b2) * g0[i]! ** 2;
      const p1 = start[i]! - (rec.lr[0]! / (1 - b1a)) * (m1 / (Math.sqrt(v1) / Math.sqrt(1 - b2) + eps));
      assert.ok(Math.abs(rec.params[2 + i]! - p1) <= 1e-15 * Math.abs(p1), `θ1[${i}]`);
      const m2 = b1b * m1 + (1 - b1b) * g1[i]!;
      const v2 = b2 * v1 + (1 - b2) * g1[i]! ** 2;
      const p2 = p1 - (rec.lr[1]! / (1 - b1b ** 2)) * (m2 / (Math.sqrt(v2) / Math.sqrt(1 - b2 ** 2) + eps));
      assert.ok(Math.abs(rec.params[4 + i]! - p2) <= 1e-14 * Math.abs(p2), `θ2[${i}]: ${rec.params[4 + i]} vs ${p2}`);
    }
  });
  test('SGD with momentum 0 under OneCycleLR keeps a momentum buffer (torch overwrites group momentum with max_momentum)', () => {
    const schedule = one('OneCycleLR max_lr=0.05 total_steps=5');
    const opt = createScheduledOptimizer('sgd', { lr: 0.01 }, schedule);
    assert.equal(opt.hyperparameters['momentum'], 0.95);
    const rec = simulate({ problem: canyon, optimizer: opt, start, steps: 2, schedule });
    assert.ok(rec.state['momentum_buffer']);
    // step 2: buf = μ₂·g₀ + g₁ (buf₁ = g₀), θ2 = θ1 − lr₂·buf
    const mu = rec.momentum![1]!;
    const buf = mu * (2 * -4) + rec.grad[2]!;
    assert.equal(rec.state['momentum_buffer']![2], buf);
    assert.equal(rec.params[4], rec.params[2]! - rec.lr[1]! * buf);
  });
  test('a switch: fresh optimizer state at from_step on the same parameters; its schedule starts at its own lr', () => {
    const then = createSegments([{ optimizer: 'sgd', hyperparameters: { lr: 0.02, momentum: 0.9 }, fromStep: 2, schedule: one('ExponentialLR gamma=0.5') }], 4);
    const rec = simulate({ problem: canyon, optimizer: createOptimizer('adam', { lr: 0.1 }), start, steps: 4, schedule: one('StepLR step_size=1 gamma=0.1'), then });
    assert.deepEqual([...rec.lr].map((x) => +x.toPrecision(12)), [0.1, 0.01, 0.02, 0.01]);
    assert.deepEqual(rec.segments!.map((s) => [s.optimizer, s.fromStep]), [['adam', 0], ['sgd', 2]]);
    // step 3 is SGD's first: buf = g₂, θ3 = θ2 − 0.02·g₂
    assert.equal(rec.params[6], rec.params[4]! - 0.02 * rec.grad[4]!);
    assert.equal(rec.state['momentum_buffer']![4], rec.grad[4]);
    assert.ok(Number.isNaN(rec.state['exp_avg']![4]!) && Number.isNaN(rec.state['momentum_buffer']![0]!));
    assert.deepEqual([...rec.scalarState['step']!], [1, 2, 3, 4]);
    // switching back to Adam starts Adam afresh: its first step moves by lr·sign(g) (m̂ = g, v̂ = g²)
    const back = simulate({
      problem: canyon, optimizer: createOptimizer('adam', { lr: 0.1 }), start, steps: 3,
      then: createSegments([{ optimizer: 'adam', hyperparameters: { lr: 0.05 }, fromStep: 2 }], 3),
    });
    const x2 = back.params[4]!;
    assert.ok(Math.abs(back.params[6]! - (x2 - 0.05 * Math.sign(2 * x2))) < 1e-9);
    assert.equal(back.state['exp_avg']![4], (1 - 0.9) * back.grad[4]!);
  });
  test('switch validation: the step must be inside the run and after the previous switch', () => {
    assert.throws(() => createSegments([{ optimizer: 'sgd', hyperparameters: {}, fromStep: 5 }], 5), /before the run's last step/);
    assert.throws(() => createSegments([{ optimizer: 'sgd', hyperparameters: {}, fromStep: 3 }, { optimizer: 'adam', hyperparameters: {}, fromStep: 2 }], 9), /after the previous switch/);
  });
  test('a downsampled recording keeps the lr and momentum of its kept rows (schedule and switch)', () => {
    const steps = 4000;
    const schedule = one('CyclicLR base_lr=0.001 max_lr=0.01 step_size_up=300');
    const mk = () => ({ problem: canyon, optimizer: createScheduledOptimizer('sgd', { lr: 0.01, momentum: 0.9 }, schedule), start, steps, schedule, then: createSegments([{ optimizer: 'adam', hyperparameters: { lr: 0.01 }, fromStep: 1000 }], steps) });
    const full = simulate(mk());
    const names = unionNames([createOptimizer('sgd', { momentum: 0.9 }), createOptimizer('adam')]);
    const small = new Simulation({ ...mk(), recordBudgetBytes: 200 * (rowBytes(2, names) + 8) });
    small.advance();
    const rows = recordedRows(small.recording)!;
    assert.ok(rows && rows.length < 250);
    for (let r = 1; r < rows.length; r++) {
      const step = rows[r]!;
      assert.equal(small.recording.lr[r - 1], full.lr[step - 1], `lr at step ${step}`);
      assert.equal(small.recording.momentum![r - 1], full.momentum![step - 1], `momentum at step ${step}`);
    }
    // Adam's segment records its own β₁ in the momentum column
    assert.equal(full.momentum![1500], 0.9);
  });
});
