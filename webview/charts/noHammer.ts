// Stand-in for hammerjs in the webview bundle (esbuild alias): chartjs-plugin-zoom only needs it for
// touch pinch/pan, which the panel does not enable; with a falsy export the plugin skips it entirely.
const Hammer = undefined;
export default Hammer;
