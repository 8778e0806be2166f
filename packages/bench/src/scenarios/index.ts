import type { Sizes } from '../options';
import type { Baseline, Scenario } from '../scenario';
import { loopbackTransfer } from '../baselines/loopback';
import { s3rverRaw } from '../baselines/s3rver-raw';
import { sha256Throughput } from '../baselines/sha256';
import { blobPull } from './blob-pull';
import { blobPush } from './blob-push';
import { chunkedPush } from './chunked-push';
import { embeddedDefault } from './embedded-default';
import { gcHead } from './gc-head';
import { gcPush } from './gc-push';
import { gcReclaim } from './gc-reclaim';
import { manifestLoad } from './manifest-load';
import { parallelPush } from './parallel-push';
import { smallImages } from './small-images';
import { tagList } from './tag-list';

/** Every scenario, in the order they run (pull reads what push wrote). */
export function allScenarios(sizes: Sizes): Scenario[] {
  return [
    blobPush(sizes),
    blobPull(sizes),
    chunkedPush(sizes),
    smallImages(sizes),
    manifestLoad(sizes),
    tagList(sizes),
    parallelPush(sizes),
    embeddedDefault(sizes),
    gcReclaim(sizes),
    gcPush(sizes),
    gcHead(sizes),
  ];
}

/** The machine's own limits, measured in the same run. */
export function allBaselines(sizes: Sizes): Baseline[] {
  return [sha256Throughput(sizes), loopbackTransfer(sizes), s3rverRaw(sizes)];
}
