import { TemplateError, TemplateSet, type Value } from './support/go-render';

/**
 * The evaluator the chart tests render with, held to Go's text/template on the constructs the chart
 * uses: a renderer that got scoping or trimming wrong would make every rendered assertion moot.
 */
function render(source: string, data: Value = {}): string {
  const set = new TemplateSet({
    list: (...values) => values,
    fail: (message) => {
      throw new TemplateError(String(message));
    },
  });
  set.add('test', source);
  return set.execute('test', data);
}

describe('the Go template evaluator', () => {
  it.each([
    [
      'trim markers eat the white space beside them, comments vanish',
      'a  {{- /* c */ -}}  b\n{{- " c" }}',
      'ab c',
    ],
    ['if, else if and else', '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', 'B'],
    [
      'with moves the dot, else sees the old one',
      '{{ with .b }}{{ . }}{{ end }}{{ with .a }}x{{ else }}{{ .b }}{{ end }}',
      '22',
    ],
    [
      'range over a list with index and element',
      '{{ range $i, $e := list "x" "y" }}{{ $i }}{{ $e }}{{ end }}',
      '0x1y',
    ],
    ['range over a map in key order', '{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', 'a=1;b=2;'],
    ['range over nothing takes else', '{{ range .none }}x{{ else }}empty{{ end }}', 'empty'],
    [
      'assignment inside range reaches the outer variable',
      '{{ $n := 0 }}{{ range list 1 2 }}{{ $n = . }}{{ end }}{{ $n }}',
      '2',
    ],
    ['the piped value is the last argument', '{{ "b" | printf "%s-%s" "a" }}', 'a-b'],
    ['a field of a parenthesised pipeline', '{{ (index .items 1).name }}', 'second'],
    ['and stops at the first false argument', '{{ and .a (fail "evaluated") }}', ''],
    ['or returns the first true argument', '{{ or .a .b 3 }}', '2'],
    ['a missing map key prints nothing', '[{{ .missing }}]', '[]'],
    ['print spaces operands only when neither is a string', '{{ print 1 2 "a" 3 }}', '1 2a3'],
    ['a method is called with the arguments after it', '{{ .Files.Get "x" }}', 'file x'],
    [
      'define and template, with $ the data passed',
      '{{ define "t" }}{{ $.b }}{{ end }}{{ template "t" . }}',
      '2',
    ],
  ])('%s', (_name, source, expected) => {
    const data = {
      a: null,
      b: 2,
      m: { b: 2, a: 1 },
      items: [{ name: 'first' }, { name: 'second' }],
      Files: { Get: (name: Value) => `file ${String(name)}` },
    };
    expect(render(source, data)).toBe(expected);
  });

  it.each([
    ['a field of nil', '{{ .a.b }}', /test:1: nil pointer evaluating interface \{\}\.b/],
    [
      'a variable declared in a block, outside it',
      '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}',
      /undefined variable/,
    ],
    ['a comparison of a number with a string', '{{ eq 1 "1" }}', /incompatible types/],
    ['a function that does not exist', '{{ nope 1 }}', /function "nope" not defined/],
    ['an if without its end', '{{ if true }}x', /if without its end/],
    ['fail, with its message', 'line 1\n{{ fail "the message" }}', /test:2: the message/],
  ])('refuses %s, as Go does', (_name, source, error) => {
    expect(() => render(source)).toThrow(error);
  });
});
