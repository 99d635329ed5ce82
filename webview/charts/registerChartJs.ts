// Tree-shaken Chart.js: only the pieces the panel draws with, and chartjs-plugin-zoom (drag / Ctrl+wheel
// zoom of the step axis). Its touch gestures need hammerjs, which the build replaces by an empty module
// (webview/charts/noHammer.ts): the plugin checks `if (Hammer)` and then only listens to mouse events.
// chunkedLinesPlugin strokes long lines in pieces (software raster: webview/charts/chunkedLines.ts).
import { Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { chunkedLinesPlugin } from './chunkedLines';

let done = false;
export function registerChartJs(): void {
  if (done) return;
  done = true;
  Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, zoomPlugin, chunkedLinesPlugin);
}

export { Chart };
