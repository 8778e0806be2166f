import { relative } from 'node:path';
import { evaluateFloors, type FloorResult } from './floors';
import { readResultJson, writeResultJson } from './json-writer';
import { parseOptions, USAGE, UsageError } from './options';
import { stderrProgress } from './progress';
import { formatReport } from './report';
import { ResultView, type BenchResult } from './results';
import { runBench } from './run-bench';

// The AWS SDK's notice about future Node versions says nothing about the benchmark.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (options.reportFile !== undefined) {
    const saved = await readResultJson(options.reportFile);
    process.stdout.write(formatReport(saved, floorsOf(saved), options.reportFile));
    return 0;
  }
  const result = await runBench(options, stderrProgress());
  const floors = floorsOf(result);
  const path = options.outDir ? await writeResultJson(options.outDir, result, floors) : undefined;
  process.stdout.write(formatReport(result, floors, path ? relative(process.cwd(), path) : undefined));
  const berthFailed = result.failures.some((f) => f.target.startsWith('berth') || f.target === 'machine');
  return berthFailed ? 1 : 0;
}

// The smoke run is too small for the targets to mean anything.
function floorsOf(result: BenchResult): FloorResult[] {
  return result.options.smoke ? [] : evaluateFloors(new ResultView(result));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
