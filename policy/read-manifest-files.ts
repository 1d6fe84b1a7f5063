/**
 * Kubernetes objects from YAML files and folders (multi-document files; folders walked for
 * `.yaml`/`.yml`), with the file and line of anything that does not parse.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { asManifestObject, type ManifestObject } from '../analysis/reachability/manifest-object.js';

/** A YAML file that does not parse, or a document that is not a Kubernetes object. */
export class ManifestParseError extends Error {
  public override readonly name = 'ManifestParseError';
  public constructor(
    public readonly file: string,
    public readonly line: number,
    public readonly column: number,
    public readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** Parses one multi-document YAML text; `file` names it in errors. */
export function parseManifestFile(file: string, text: string): ManifestObject[] {
  const lineCounter = new LineCounter();
  const objects: ManifestObject[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new ManifestParseError(
        file,
        pos.line,
        pos.col,
        error.message.split('\n')[0] ?? error.message,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    try {
      objects.push(asManifestObject(value));
    } catch (e) {
      const pos = lineCounter.linePos(doc.range[0]);
      throw new ManifestParseError(file, pos.line, pos.col, (e as Error).message);
    }
  }
  return objects;
}

/** Every YAML file under the paths (files as given, folders walked in name order). */
export async function listManifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (!(await stat(path)).isDirectory()) {
      files.push(path);
      continue;
    }
    const entries = await readdir(path, { recursive: true, withFileTypes: true });
    files.push(
      ...entries
        .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
        .map((e) => join(e.parentPath, e.name))
        .sort(),
    );
  }
  return files;
}

export async function readManifestFiles(paths: readonly string[]): Promise<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  for (const file of await listManifestFiles(paths)) {
    objects.push(...parseManifestFile(file, await readFile(file, 'utf8')));
  }
  return objects;
}
