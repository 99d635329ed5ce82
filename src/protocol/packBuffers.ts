// One ArrayBuffer per message. VS Code's webview transport sends each distinct ArrayBuffer of a message as
// a buffer of its own (views of one buffer share it), and a message with a few hundred of them arrives with
// the later ones missing: their typed arrays come out empty in the webview (seen in code-server 4.139 /
// VS Code 1.139 with a 3-run comparison of a 193-parameter loss, ~300 Float64Arrays). Packing every
// Float64Array of a message into views of a single buffer sends one buffer, whatever the message holds,
// and is one copy of data that was about to be copied anyway.
// Equal arrays are sent once: a run's columns mostly share their x (the step numbers 0..N or 1..N of an
// undecimated run), which was half of every batch's bytes; each array whose contents equal one already
// packed becomes a view of that one (the webview never writes into a received array). Bytes matter here:
// the web transport compresses and copies every byte several times on its way (≈25 ms for the 188 KB
// of a 500-step, 2-parameter Adam run in code-server; README "Performance").
// Pure (host and tests): a new object tree; the input (e.g. cached series) is not modified.

/** Plain objects and arrays are walked; Float64Arrays become views of one shared buffer; the rest is kept. */
export function packFloat64Arrays<T>(message: T): T {
  // First pass: which arrays are copies of an earlier one (same object, or the same bits).
  const canonical = new Map<Float64Array, Float64Array>();
  const byKey = new Map<string, Float64Array[]>();
  let total = 0;
  const count = (v: unknown): void => {
    if (v instanceof Float64Array) {
      if (canonical.has(v)) return;
      const key = v.length === 0 ? '0' : `${v.length}:${v[0]}:${v[v.length - 1]}`;
      const same = byKey.get(key)?.find((u) => sameBits(u, v));
      if (same) canonical.set(v, same);
      else {
        canonical.set(v, v);
        const list = byKey.get(key);
        if (list) list.push(v);
        else byKey.set(key, [v]);
        total += v.length;
      }
    }
    else if (Array.isArray(v)) for (const x of v) count(x);
    else if (isPlainObject(v)) for (const k of Object.keys(v)) count((v as Record<string, unknown>)[k]);
  };
  count(message);
  if (total === 0) return message;
  const buffer = new ArrayBuffer(total * Float64Array.BYTES_PER_ELEMENT);
  let at = 0;
  const views = new Map<Float64Array, Float64Array>();
  const copy = (v: unknown): unknown => {
    if (v instanceof Float64Array) {
      const first = canonical.get(v)!;
      let view = views.get(first);
      if (!view) {
        view = new Float64Array(buffer, at * Float64Array.BYTES_PER_ELEMENT, first.length);
        view.set(first);
        at += first.length;
        views.set(first, view);
      }
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

/** Bit-for-bit equal (NaN payloads and −0 included: what is sent is exactly what was there). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function isPlainObject(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
