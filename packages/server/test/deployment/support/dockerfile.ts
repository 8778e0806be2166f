/** A Dockerfile read as its instructions, grouped by build stage. */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** The image or earlier stage it starts from. */
  base: string;
  instructions: Instruction[];
}

export function instructionsOf(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comments end nothing: inside a continued instruction they are skipped, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { text: part, line: index + 1 };
    if (continued) return;
    const match = /^(\S+)\s*([\s\S]*)$/.exec(pending.text) as RegExpExecArray;
    instructions.push({
      keyword: (match[1] as string).toUpperCase(),
      args: (match[2] as string).trim(),
      line: pending.line,
    });
    pending = undefined;
  });
  return instructions;
}

export function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructionsOf(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const as = words.findIndex((word) => word.toLowerCase() === 'as');
      stages.push({ name: as >= 0 ? words[as + 1] : undefined, base: words[0] as string, instructions: [] });
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return stages;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
  line: number;
}

export function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const words = instruction.args.split(/\s+/);
      const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((word) => !word.startsWith('--'));
      return {
        from,
        sources: paths.slice(0, -1),
        destination: paths[paths.length - 1] as string,
        line: instruction.line,
      };
    });
}

/** `ENV A=1 B=2` and the legacy `ENV A 1`, in order. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    const pairs = [...instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)];
    if (pairs.length === 0) {
      const [name, ...rest] = instruction.args.split(/\s+/);
      env[name as string] = rest.join(' ');
    }
    for (const pair of pairs) env[pair[1] as string] = (pair[2] as string).replace(/^"|"$/g, '');
  }
  return env;
}
