// The packages a Python workflow declares, read the way Cloudflare's tooling reads them: `[project].dependencies`
// in a pyproject.toml, or a PEP 723 `# /// script` block in the file (which wins). Pure text work shared by Node
// (node/packages.js) and the browser (pyodide-packages-browser.js), so both name a requirement set alike.

// The string items of the TOML array that starts at text[start] ('['); strings may hold brackets ("pkg[extra]").
function tomlStrings(text, start) {
  const out = [];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === ']') return out;
    if (c === '#') { i = text.indexOf('\n', i); if (i < 0) break; continue; }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) break;
      out.push(text.slice(i + 1, end));
      i = end;
    }
  }
  throw new Error('unterminated dependencies array');
}

/** `dependencies = [...]` at the top level of a TOML text (table: only inside that [table]), or null. */
export function dependenciesIn(text, table) {
  let body = text;
  if (table) {
    const header = new RegExp(`^\\[${table.replace('.', '\\.')}\\][ \\t]*$`, 'm').exec(text);
    if (!header) return null;
    body = text.slice(header.index + header[0].length);
  }
  const next = /^\[/m.exec(body);
  if (next) body = body.slice(0, next.index);
  const m = /^dependencies\s*=\s*\[/m.exec(body);
  return m ? tomlStrings(body, m.index + m[0].length - 1) : null;
}

/** PEP 723: the `# /// script` ... `# ///` block of a Python file, uncommented, or null. */
export function inlineMetadata(source) {
  const m = /^# \/\/\/ script[ \t]*\r?\n((?:^#(?: .*)?\r?\n)*?)^# \/\/\/[ \t]*$/m.exec(source);
  if (!m) return null;
  return m[1].split(/\r?\n/).map((line) => line.replace(/^# ?/, '')).join('\n');
}

/** The requirements of a Python source's PEP 723 block: null without a block. */
export function inlineRequirements(source) {
  const inline = inlineMetadata(source);
  return inline === null ? null : dependenciesIn(inline) ?? [];
}

/** A requirement set in one spelling: whitespace removed, duplicates dropped, sorted. */
export const normaliseRequirements = (reqs) => [...new Set(reqs.map((r) => r.trim().replace(/\s+/g, '')).filter(Boolean))].sort();
