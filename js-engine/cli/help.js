// Usage and help text, made from the command modules' specs: {name, args, summary, options, examples}.
const BIN = 'pyworkflows';

export function usageLine(spec) {
  const opts = Object.keys(spec.options ?? {}).map((o) => ` [${o}]`).join('');
  return `${BIN} ${spec.name}${spec.args ? ` ${spec.args}` : ''}${opts}`;
}

export function commandHelp(spec) {
  const lines = [`usage: ${usageLine(spec)}`, '', spec.summary];
  const opts = [...Object.entries(spec.options ?? {}), ['-h, --help', 'this help']];
  lines.push('', 'options:', ...columns(opts));
  if (spec.environment) lines.push('', 'environment:', ...columns(Object.entries(spec.environment)));
  if (spec.examples?.length) lines.push('', spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

// `environment`: the variables every command reads ({'NAME=VALUE': help}).
export function overview(specs, environment = {}) {
  const env = Object.entries(environment);
  return [
    `usage: ${BIN} COMMAND [ARGS] [OPTIONS]`, '', 'commands:',
    ...columns(specs.map((s) => [s.name, s.summary.split('\n')[0]])),
    ...(env.length ? ['', 'environment:', ...columns(env)] : []),
    '', `${BIN} COMMAND --help shows a command's options (and the variables it reads) and an example; ${BIN} --version its version.`,
  ].join('\n');
}

// [[name, text]] as lines of two aligned columns.
function columns(rows) {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
}

// What follows a usage error: the command's usage line and where its help is.
export function usageHint(spec) {
  return spec ? `usage: ${usageLine(spec)}\n(${BIN} ${spec.name} --help for more)` : `(${BIN} --help lists the commands)`;
}
