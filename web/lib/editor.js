// A plain textarea made pleasant for Python or JavaScript: line numbers, Tab indents by one level (four spaces in
// Python, two in JavaScript), Enter keeps the indentation (one more level after a colon in Python, after an opening
// bracket in JavaScript), Ctrl/Cmd+Enter runs, an error line can be marked.
const LANGUAGES = {
  python: { label: 'Python source', indent: '    ', opens: /:\s*(#.*)?$/ },
  javascript: { label: 'JavaScript source', indent: '  ', opens: /[{([]\s*(\/\/.*)?$/ },
};

export function createEditor(textarea, gutter, { onRun, onChange } = {}) {
  let errorLine = null;
  let lang = LANGUAGES.python;
  const renderGutter = () => {
    const lines = textarea.value.split('\n').length;
    const out = [];
    for (let i = 1; i <= lines; i++) out.push(i === errorLine ? `<span class="err">${i}</span>` : String(i));
    gutter.innerHTML = out.join('\n');
    gutter.scrollTop = textarea.scrollTop;
  };
  const insert = (text) => {
    // execCommand keeps the browser's undo history; fall back to setRangeText where it is unavailable.
    if (!document.execCommand?.('insertText', false, text)) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, 'end');
      textarea.dispatchEvent(new Event('input'));
    }
  };
  textarea.addEventListener('input', () => { errorLine = null; renderGutter(); onChange?.(textarea.value); });
  textarea.addEventListener('scroll', () => { gutter.scrollTop = textarea.scrollTop; });
  textarea.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); onRun?.(); return; }
    if (ev.key === 'Tab' && !ev.shiftKey) { ev.preventDefault(); insert(lang.indent); return; }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey) {
      const before = textarea.value.slice(0, textarea.selectionStart);
      const line = before.slice(before.lastIndexOf('\n') + 1);
      let indent = line.match(/^\s*/)[0];
      if (lang.opens.test(line)) indent += lang.indent;
      ev.preventDefault();
      insert(`\n${indent}`);
    }
  });
  renderGutter();
  return {
    get value() { return textarea.value; },
    set value(text) { textarea.value = text; errorLine = null; textarea.scrollTop = 0; renderGutter(); },
    markError(line) { errorLine = line; renderGutter(); },
    get language() { return textarea.dataset.language ?? 'python'; },
    set language(name) {
      lang = LANGUAGES[name] ?? LANGUAGES.python;
      textarea.dataset.language = LANGUAGES[name] ? name : 'python';
      textarea.setAttribute('aria-label', lang.label);
    },
  };
}
