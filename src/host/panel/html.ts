// The panel's HTML: a strict CSP with a per-load nonce (no 'unsafe-inline', no 'unsafe-eval'), every
// resource through asWebviewUri. The toolkit's one inline <style> (fast-web-utilities'
// canUseFocusVisible probe) is allowed by the same nonce via <meta property="csp-nonce">
// (/work/shared/vscode-real/TOOLKIT-CSP.md: zero violations measured in a real VS Code).
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** Webview options: scripts on, resources only from dist/webview and media, one command link (the Restricted Mode banner's). */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: ['workbench.trust.manage'],
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    retainContextWhenHidden: false,
    enableFindWidget: false,
  };
}

export function csp(cspSource: string, n: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${n}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'main.css'));
  const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp(webview.cspSource, n)}">
<meta property="csp-nonce" content="${n}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>${esc(title)}</title>
</head>
<body>
<div id="app" aria-busy="true"><p class="boot">Loading Optimizer Diagnostics…</p></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
