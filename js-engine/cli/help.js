// Usage and help text, made from the command modules' specs: {name, args, summary, options, examples}.
const BIN = 'pyworkflows';

export function usageLine(spec) {
  const opts = Object.keys(spec.options ?? {}).map((o) => ` [${o}]`).join('');
  return `${BIN} ${spec.name}${spec.args ? ` ${spec.args}` : ''}${opts}`;
}

export function commandHelp(spec) {
  const lines = [`usage: ${usageLine(spec)}`, '', spec.summary];
  const opts = [...Object.entries(spec.options ?? {}), ['-h, --help', 'this help']];
  const width = Math.max(...opts.map(([o]) => o.length));
  lines.push('', 'options:', ...opts.map(([o, text]) => `  ${o.padEnd(width)}  ${text}`));
  if (spec.examples?.length) lines.push('', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export function overview(specs) {
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    `usage: ${BIN} COMMAND [ARGS] [OPTIONS]`, '', 'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary.split('\n')[0]}`),
    '', `${BIN} COMMAND --help shows a command's options and an example; ${BIN} --version its version.`,
  ].join('\n');
}

// What follows a usage error: the command's usage line and where its help is.
export function usageHint(spec) {
  return spec ? `usage: ${usageLine(spec)}\n(${BIN} ${spec.name} --help for more)` : `(${BIN} --help lists the commands)`;
}
