/** The last error a registry logged: Distribution's logfmt err.detail or msg, or Berth's pino JSON. */
export function lastLoggedError(log: string): string | undefined {
  const lines = log.split('\n').filter((line) => /level=(error|fatal)|"level":(50|60)/.test(line));
  const quoted = (name: string, line: string): string | undefined =>
    new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(line)?.[1] ??
    new RegExp(`"${name}":"((?:[^"\\\\]|\\\\.)*)"`).exec(line)?.[1];
  const line = lines.findLast((candidate) => quoted('err.detail', candidate) !== undefined) ?? lines.at(-1);
  if (line === undefined) return undefined;
  const text = quoted('err.detail', line) ?? quoted('msg', line) ?? line;
  return text.replace(/\\n\\t|\\n/g, ' ').slice(0, 300);
}
