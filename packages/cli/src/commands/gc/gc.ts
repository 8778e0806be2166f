import { defineCommand, UsageError } from '../../command';
import { writeJson, writeLine } from '../../output';
import { JSON_OPTION } from '../listing';
import { withGc } from './gc-composition';
import { formatGcDryRun, formatGcRun, formatGcStatus } from './gc-output';

const status = defineCommand({
  name: 'gc status',
  args: [],
  summary: "show garbage collection's queues: queued, due, bytes due, how overdue",
  description:
    'Every process collecting reviews everything due on each run, so OVERDUE (how long the ' +
    'oldest due review has waited) stays below the interval while collection keeps up. Run ' +
    "while the embedded registry serves, it also shows that registry's last run.",
  options: JSON_OPTION,
  async run({ options }, context) {
    const report = await withGc(context, 'queues', (gc) => gc.status());
    if (options.json) writeJson(context.stdout, report);
    else writeLine(context.stdout, formatGcStatus(report));
  },
});

const dryRun = defineCommand({
  name: 'gc dry-run',
  args: [],
  summary: 'show what a run now would remove, per repository, changing nothing',
  description:
    'Links a run would remove, per repository with the bytes of their blobs, and the blobs it ' +
    'would delete from storage: exactly what "berth gc run --now" then removes, unless something ' +
    'is written or comes due meanwhile. --json lists every digest.',
  options: JSON_OPTION,
  async run({ options }, context) {
    const report = await withGc(context, 'queues', (gc) => gc.dryRun());
    if (options.json) writeJson(context.stdout, report);
    else writeLine(context.stdout, formatGcDryRun(report));
  },
});

const run = defineCommand({
  name: 'gc run',
  args: [],
  usage: '--now [options]',
  summary: 'collect garbage now: review everything due, until nothing is',
  description:
    'Runs the gc worker now, as every process does on its own each gc.intervalSeconds, and ' +
    'reports what it removed. Only what is due is reviewed: a review comes due ' +
    'gc.reviewDelaySeconds after the change that queued it, and --now does not shorten that. ' +
    'It opens the blob store to delete objects, or runs inside the embedded registry while that ' +
    'serves.',
  options: {
    now: { type: 'boolean', help: 'run now (required: it deletes what is due)' },
    ...JSON_OPTION,
  },
  async run({ options }, context) {
    if (!options.now) {
      throw new UsageError('give --now to run garbage collection now (it deletes what is due)');
    }
    const report = await withGc(context, 'worker', (gc) => gc.runNow());
    if (options.json) writeJson(context.stdout, report);
    else writeLine(context.stdout, formatGcRun(report));
  },
});

export const GC_COMMANDS = [status, dryRun, run];
