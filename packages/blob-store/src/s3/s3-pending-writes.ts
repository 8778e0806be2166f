import type { PendingWrite } from '../blob-store';
import type { S3Context } from './s3-context';
import { uploadIdOfMarker } from './s3-layout';
import { listMultipartUploads, listObjects } from './s3-listing';
import type { S3ResumableWrites } from './s3-resumable-writes';

/** One write's staging folder as found in the bucket. */
interface StagedWrite {
  writeId: string;
  key: string;
  /** The oldest object in the folder: its first tail or the record of its upload. */
  startedAt: Date;
  uploadIds: string[];
}

/**
 * The pending writes in a bucket. First each staging folder, which holds a write's tail and
 * records its multipart upload; then each multipart upload under objects/ that no folder records,
 * as a process leaves that dies between creating an upload and recording it. A put() still
 * streaming a large object has such an upload too, so `startedBefore` must lie well in the past.
 */
export async function* listPendingWrites(
  s3: S3Context,
  writes: S3ResumableWrites,
  startedBefore: Date,
): AsyncGenerator<PendingWrite> {
  const recorded = new Set<string>();
  for await (const { writeId, key, startedAt, uploadIds } of stagedWrites(s3)) {
    for (const uploadId of uploadIds) recorded.add(uploadId);
    if (startedAt.getTime() < startedBefore.getTime()) {
      yield { key, startedAt, discard: () => writes.discardStaged(key, writeId) };
    }
  }
  for await (const { Key, UploadId, Initiated } of listMultipartUploads(s3, s3.layout.objectsFolder)) {
    const key = Key === undefined ? undefined : s3.layout.keyOfObject(Key);
    if (key === undefined || UploadId === undefined || Initiated === undefined) continue;
    if (recorded.has(UploadId) || Initiated.getTime() >= startedBefore.getTime()) continue;
    yield { key, startedAt: Initiated, discard: () => writes.abortUpload(key, UploadId) };
  }
}

/** Staged objects grouped by write, whose objects are adjacent in key order. */
async function* stagedWrites(s3: S3Context): AsyncGenerator<StagedWrite> {
  let current: StagedWrite | undefined;
  for await (const { Key, LastModified } of listObjects(s3, s3.layout.stagingRoot)) {
    const object = Key === undefined ? undefined : s3.layout.parseStagedKey(Key);
    if (object === undefined || LastModified === undefined) continue;
    if (current?.writeId !== object.writeId || current.key !== object.key) {
      if (current !== undefined) yield current;
      current = { writeId: object.writeId, key: object.key, startedAt: LastModified, uploadIds: [] };
    } else if (LastModified.getTime() < current.startedAt.getTime()) {
      current.startedAt = LastModified;
    }
    const uploadId = uploadIdOfMarker(object.name);
    if (uploadId !== undefined) current.uploadIds.push(uploadId);
  }
  if (current !== undefined) yield current;
}
