// A plain textarea made pleasant for Python: line numbers, Tab indents by four spaces, Enter keeps the
// indentation (one more level after a colon), Ctrl/Cmd+Enter runs, an error line can be marked.
export function createEditor(textarea, gutter, { onRun, onChange } = {}) {
  let errorLine = null;
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
    if (ev.key === 'Tab' && !ev.shiftKey) { ev.preventDefault(); insert('    '); return; }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey) {
      const before = textarea.value.slice(0, textarea.selectionStart);
      const line = before.slice(before.lastIndexOf('\n') + 1);
      let indent = line.match(/^\s*/)[0];
      if (/:\s*(#.*)?$/.test(line)) indent += '    ';
      ev.preventDefault();
      insert(`\n${indent}`);
    }
  });
  renderGutter();
  return {
    get value() { return textarea.value; },
    set value(text) { textarea.value = text; errorLine = null; textarea.scrollTop = 0; renderGutter(); },
    markError(line) { errorLine = line; renderGutter(); },
  };
}
