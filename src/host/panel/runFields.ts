// The fields of a panel's run request beyond the optimizer runs that the CLI's `simulate` has flags for
// (README "Panel": the toolbar's σ and gradient mode), set exactly as src/cli/run.ts sets them, plus the
// end-point report (train/held-out gap, sharpness, ε-flatness) that the values table shows for every run.
import type { SessionConfig } from '../../protocol/messages';
import type { SimulationRequest } from '../../protocol/simulation';

/** `endpoint`: whether the end point is computed (the session leaves it out where second derivatives cost too much: panelSecondOrderMaxDim). */
export function panelRunFields(config: SessionConfig, endpoint = true): Pick<SimulationRequest, 'gradientNoise' | 'gradientMode' | 'endpoint'> {
  return {
    ...(config.gradientNoise !== undefined && config.gradientNoise > 0 ? { gradientNoise: config.gradientNoise } : {}),
    // built-ins always use their analytic gradient (the mode does not apply)
    ...(config.gradientMode !== undefined && config.loss.kind === 'file' ? { gradientMode: config.gradientMode } : {}),
    ...(endpoint ? { endpoint: true } : {}),
  };
}
