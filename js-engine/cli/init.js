// `pyworkflows init [DIR]`: a Cloudflare Python Workflow project that deploys unchanged (wrangler.jsonc, src/entry.py)
// and tests locally (tests/test_workflow.py with the `workflow_env` fixture). Files come from init-template/; names
// ending in .tmpl lose it (so this repository's pytest does not collect the template's tests), `gitignore` becomes
// .gitignore (npm never packs a file named .gitignore).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'init-template');
const PACKAGE_JSON = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
// After 2026-02-25, so Cloudflare's default (implicit step dependencies) applies; in the past, so wrangler accepts it.
export const INIT_COMPATIBILITY_DATE = '2026-03-01';

export class InitError extends Error {}

// A Worker name: lowercase letters, digits and dashes (Cloudflare's rule), from the folder's name.
export function projectName(dir) {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return name || 'my-workflow';
}

function templateFiles(dir = TEMPLATE, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((ent) => {
    const sub = rel ? `${rel}/${ent.name}` : ent.name;
    return ent.isDirectory() ? templateFiles(dir, sub) : [sub];
  }).sort();
}

const targetName = (rel) => rel.replace(/\.tmpl$/, '').replace(/(^|\/)gitignore$/, '$1.gitignore');

/** Writes the project into dir (made if missing; must be empty). Returns the paths written, relative to dir. */
export function initProject(dir) {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory()) throw new InitError(`(init.not_a_folder) ${dir} exists and is not a folder`);
    const present = fs.readdirSync(abs).filter((n) => n !== '.git');
    if (present.length) throw new InitError(`(init.not_empty) ${dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}): choose a new folder`);
  }
  const vars = {
    name: projectName(abs),
    compatibility_date: INIT_COMPATIBILITY_DATE,
    version: JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')).version,
  };
  const written = [];
  for (const rel of templateFiles()) {
    const text = fs.readFileSync(path.join(TEMPLATE, rel), 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k) => vars[k] ?? m);
    const out = path.join(abs, targetName(rel));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text);
    written.push(targetName(rel));
  }
  return written;
}
