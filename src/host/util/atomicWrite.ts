// Writing an output file so that a failure never leaves a truncated file in its place: the chunks go to a
// temporary file in the same folder (same file system, so the rename is atomic), which is flushed and then
// renamed over the target. On any error the temporary file is removed, the target is untouched, and the
// error names the target file. Used by the CLI's --out and the panel's Export Run (file: URIs). Node only.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let seq = 0;

/** Writes `chunks` (strings, UTF-8) to `path` atomically. Throws `Error("cannot write <path>: <reason>")`. */
export async function writeFileAtomic(path: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++seq}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx');
    let buf = '';
    for await (const c of chunks) {
      buf += c;
      if (buf.length >= 1 << 20) {
        await handle.write(buf);
        buf = '';
      }
    }
    if (buf) await handle.write(buf);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    // Node's messages name the temporary file (`ENOSPC: no space left on device, open '/d/.x.tmp'`): keep the cause.
    const reason = firstLine(e instanceof Error ? e.message : String(e)).replace(/, (open|write|rename|fsync) '[^']*'( -> '[^']*')?$/, '');
    throw new Error(`cannot write ${path}: ${reason}`);
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
