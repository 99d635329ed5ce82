// Command ids (package.json contributes.commands declares the same).
export const COMMANDS = Object.freeze({
  simulate: 'optimizerDiagnostics.simulate',
  compare: 'optimizerDiagnostics.compare',
  inspectStepSizes: 'optimizerDiagnostics.inspectStepSizes',
  sideBySide: 'optimizerDiagnostics.compareSideBySide',
  newLossFile: 'optimizerDiagnostics.newLossFile',
  exportRun: 'optimizerDiagnostics.exportRun',
  saveRunConfiguration: 'optimizerDiagnostics.saveRunConfiguration',
  openRunFileAsJson: 'optimizerDiagnostics.openRunFileAsJson',
});
