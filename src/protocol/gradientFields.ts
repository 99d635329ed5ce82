// The panel's gradient fields of a SessionConfig: gradient noise σ (the CLI's --noise) and the gradient
// mode of loss files (the CLI's --gradient auto|autodiff|numeric). Pure: no vscode, no DOM.
// The same rules as the CLI (src/cli/args.ts): σ a finite number ≥ 0; the mode one of three names.

import type { GradientMode } from './simulation';

export const GRADIENT_MODES: readonly GradientMode[] = ['auto', 'autodiff', 'numeric'];

/** What each gradient mode does (the picker's tooltips; README "Panel"). */
export const GRADIENT_MODE_TITLES: Readonly<Record<GradientMode, string>> = {
  auto: "the file's grad export if it has one (checked once against the automatic gradient), else automatic differentiation",
  autodiff: 'always automatic differentiation of the loss code (ignores a grad export)',
  numeric: 'central differences of the loss (slower and approximate; for a file the automatic gradient refuses)',
};

export interface GradientFields {
  /** σ of the Gaussian noise added to every gradient component; absent: 0. */
  readonly gradientNoise?: number;
  /** Loss files only; absent: auto. */
  readonly gradientMode?: GradientMode;
}

export function isGradientMode(v: unknown): v is GradientMode {
  return (GRADIENT_MODES as readonly unknown[]).includes(v);
}

/** Why a σ is refused (null: fine); undefined is the default 0. */
export function gradientNoiseProblem(v: unknown): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `gradient noise σ must be a finite number ≥ 0, got ${String(v).slice(0, 40)}`;
  return null;
}

/** Why a gradient mode is refused (null: fine). */
export function gradientModeProblem(v: unknown): string | null {
  if (v === undefined || isGradientMode(v)) return null;
  return `gradient mode must be one of ${GRADIENT_MODES.join(', ')}, got ${String(v).slice(0, 40)}`;
}

/**
 * The gradient fields of a config object: `ok` false when one is invalid; `value` keeps the valid ones and
 * drops the defaults (σ = 0, mode auto), so a config without them and one with the defaults are equal.
 */
export function parseGradientFields(v: Readonly<Record<string, unknown>>): { ok: boolean; value: GradientFields; problems: { field: string; message: string }[] } {
  const problems: { field: string; message: string }[] = [];
  const noise = v['gradientNoise'];
  const mode = v['gradientMode'];
  const pn = gradientNoiseProblem(noise);
  const pm = gradientModeProblem(mode);
  if (pn) problems.push({ field: 'gradientNoise', message: pn });
  if (pm) problems.push({ field: 'gradientMode', message: pm });
  return {
    ok: problems.length === 0,
    value: {
      ...(!pn && typeof noise === 'number' && noise > 0 ? { gradientNoise: noise } : {}),
      ...(!pm && mode !== undefined && mode !== 'auto' ? { gradientMode: mode as GradientMode } : {}),
    },
    problems,
  };
}
