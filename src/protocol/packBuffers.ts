// One ArrayBuffer per message. VS Code's webview transport sends each distinct ArrayBuffer of a message as
// a buffer of its own (views of one buffer share it), and a message with a few hundred of them arrives with
// the later ones missing: their typed arrays come out empty in the webview (seen in code-server 4.139 /
// VS Code 1.139 with a 3-run comparison of a 193-parameter loss, ~300 Float64Arrays). Packing every
// Float64Array of a message into views of a single buffer sends one buffer, whatever the message holds,
// and is one copy of data that was about to be copied anyway.
// Pure (host and tests): a new object tree; the input (e.g. cached series) is not modified.

/** Plain objects and arrays are walked; Float64Arrays become views of one shared buffer; the rest is kept. */
export function packFloat64Arrays<T>(message: T): T {
  let total = 0;
  const count = (v: unknown): void => {
    if (v instanceof Float64Array) total += v.length;
    else if (Array.isArray(v)) for (const x of v) count(x);
    else if (isPlainObject(v)) for (const k of Object.keys(v)) count((v as Record<string, unknown>)[k]);
  };
  count(message);
  if (total === 0) return message;
  const buffer = new ArrayBuffer(total * Float64Array.BYTES_PER_ELEMENT);
  let at = 0;
  const copy = (v: unknown): unknown => {
    if (v instanceof Float64Array) {
      const view = new Float64Array(buffer, at * Float64Array.BYTES_PER_ELEMENT, v.length);
      view.set(v);
      at += v.length;
      return view;
    }
    if (Array.isArray(v)) return v.map(copy);
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return copy(message) as T;
}

function isPlainObject(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
