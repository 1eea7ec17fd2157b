/**
 * Load a data file (rules, knowledge base) and reload it when it changes, by polling its mtime
 * (fs.watchFile works on every platform and on editors that replace files). close() stops watching.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileSource {
  close(): void;
}

/**
 * Calls onLoad(text) once now (synchronously) and after every change; onError(err) when the file
 * cannot be read. A relative path is resolved against `baseDir` (Node-RED's user directory).
 */
export function watchTextFile(
  file: string,
  baseDir: string | undefined,
  onLoad: (text: string, fullPath: string) => void,
  onError: (err: Error) => void,
  intervalMs = 500,
): FileSource {
  const full = path.isAbsolute(file) ? file : path.resolve(baseDir || process.cwd(), file);
  const read = () => {
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (e) {
      onError(e as Error);
      return;
    }
    try {
      onLoad(text.replace(/^\uFEFF/, ''), full);
    } catch (e) {
      onError(e as Error);
    }
  };
  read();
  const listener = (cur: fs.Stats, prev: fs.Stats) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) read();
  };
  fs.watchFile(full, { interval: intervalMs, persistent: false }, listener);
  return { close: () => fs.unwatchFile(full, listener) };
}
