// Tree-shaken Chart.js: only the pieces the panel draws with.
import { Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip } from 'chart.js';

let done = false;
export function registerChartJs(): void {
  if (done) return;
  done = true;
  Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend);
}

export { Chart };
