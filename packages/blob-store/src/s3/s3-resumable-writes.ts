import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ObjectStat, ResumableWrite } from '../blob-store';
import { bytesOf, MeteredBytes } from '../byte-streams';
import { assertValidKey } from '../keys';
import { ByteSource } from './byte-source';
import { bufferedPieces, streamedPieces, type Piece } from './part-plan';
import { nodeStream, type S3Context } from './s3-context';
import { isMissingUpload } from './s3-errors';
import { uploadIdOfMarker, uploadMarkerName } from './s3-layout';
import { listObjects } from './s3-listing';
import { MAX_PARTS, MIN_PART_SIZE } from './s3-limits';
import {
  decodeWriteState,
  emptyWriteState,
  encodeWriteState,
  newTailName,
  type S3WriteState,
  type Tail,
  type UploadedPart,
} from './s3-write-state';
import { sendWithBody } from './send-with-body';

/**
 * Resumable writes as one multipart upload on the final key plus a staged tail: each append
 * streams the previous tail and its body into parts, and keeps a remainder too small for a part as
 * a new tail object, under a name of its own so that a failed attempt overwrites nothing.
 */
export class S3ResumableWrites {
  constructor(private readonly s3: S3Context) {}

  start(key: string): ResumableWrite {
    return { key: assertValidKey(key), size: 0, adapter: encodeWriteState(emptyWriteState()) };
  }

  async append(write: ResumableWrite, body: Readable, length?: number): Promise<ResumableWrite> {
    const state = decodeWriteState(write);
    const bytes = new MeteredBytes(bytesOf(body), length);
    if (length === 0) {
      for await (const _ of bytes);
      return write;
    }
    const tailStream = state.tail && (await this.openTail(write.key, state.id, state.tail));
    const source = new ByteSource(concat(tailStream, bytes));
    const pieces =
      length === undefined
        ? bufferedPieces(source, this.s3.partSize)
        : streamedPieces(source, (state.tail?.size ?? 0) + length, this.s3.partSize);

    let uploadId = state.uploadId;
    const parts = [...state.parts];
    const uploading: Promise<UploadedPart>[] = [];
    let newTail: Tail | null = null;
    try {
      for await (const piece of pieces) {
        if (piece.size < MIN_PART_SIZE) {
          newTail = await this.putTail(write.key, state.id, piece);
          continue;
        }
        uploadId ??= await this.createUpload(write.key, state.id);
        const part = this.uploadPart(write.key, uploadId, parts.length + uploading.length + 1, piece);
        // Awaited below; a failure meanwhile must not count as unhandled.
        part.catch(() => undefined);
        uploading.push(part);
        // The next part streams from the client while S3 still digests this one, which costs
        // no memory: only bytes already sent are waited on.
        await Promise.race([drained(piece.body), part]);
        // Buffered parts hold memory until sent, so those go one at a time.
        const inFlight = Buffer.isBuffer(piece.body) ? 1 : PARTS_IN_FLIGHT;
        if (uploading.length >= inFlight) parts.push(await (uploading.shift() as Promise<UploadedPart>));
      }
      parts.push(...(await Promise.all(uploading)));
    } catch (error) {
      await Promise.allSettled(uploading);
      // Not waited for: when S3 stopped answering, so would these, and the caller would learn of
      // the failure one deadline later. It never rejects.
      void this.discardAttempt(write.key, state, uploadId, newTail);
      throw error;
    } finally {
      tailStream?.destroy();
    }

    if (state.staleTail !== null) {
      await this.deleteQuietly(this.s3.layout.stagedKey(state.id, write.key, state.staleTail));
    }
    const next: S3WriteState = {
      ...state,
      uploadId,
      parts,
      tail: newTail,
      staleTail: state.tail?.name ?? null,
    };
    const size = parts.reduce((sum, part) => sum + part.size, newTail?.size ?? 0);
    return { key: write.key, size, adapter: encodeWriteState(next) };
  }

  async commit(write: ResumableWrite): Promise<ObjectStat> {
    const state = decodeWriteState(write);
    if (state.uploadId === null) await this.publishTail(write.key, state.id, state.tail);
    else await this.completeUpload(write.key, state.uploadId, state);
    await this.sweepStaging(write.key, state.id, state.uploadId);
    return { size: write.size };
  }

  async abort(write: ResumableWrite): Promise<void> {
    const state = decodeWriteState(write);
    if (state.uploadId !== null) await this.abortUpload(write.key, state.uploadId);
    await this.sweepStaging(write.key, state.id, state.uploadId);
  }

  /** Discards a write found in staging/ without its state: every upload its folder names, then the folder. */
  discardStaged(key: string, writeId: string): Promise<void> {
    return this.sweepStaging(key, writeId, null);
  }

  /** Aborts a multipart upload; one already completed or aborted is left as it is. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    const { client, bucket, layout } = this.s3;
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: layout.objectKey(key), UploadId: uploadId }),
      );
    } catch (error) {
      if (!isMissingUpload(error)) throw error;
    }
  }

  /** Commits a write that never filled a part: it is all in its tail, under 5 MiB, if anywhere. */
  private async publishTail(key: string, writeId: string, tail: Tail | null): Promise<void> {
    const { client, bucket, layout } = this.s3;
    const Key = layout.objectKey(key);
    if (tail === null) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(0), ContentLength: 0 }),
      );
      return;
    }
    // A server-side copy; keys hold only URL-safe characters, so the source needs no encoding.
    const CopySource = `${bucket}/${layout.stagedKey(writeId, key, tail.name)}`;
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key, CopySource }));
  }

  /** Commits a write with an upload: its tail goes up as the last part, which may be small. */
  private async completeUpload(key: string, uploadId: string, state: S3WriteState): Promise<void> {
    const { client, bucket, layout } = this.s3;
    const parts = state.parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag }));
    if (state.tail !== null) {
      const piece = { size: state.tail.size, body: await this.openTail(key, state.id, state.tail) };
      parts.push(await this.uploadPart(key, uploadId, parts.length + 1, piece));
    }
    // Ceph RGW answers with an empty ETag here; nothing below relies on it.
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: layout.objectKey(key),
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  }

  /** Creates the write's multipart upload and records it in the write's staging folder. */
  private async createUpload(key: string, writeId: string): Promise<string> {
    const { client, bucket, layout } = this.s3;
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: layout.objectKey(key) }),
    );
    if (UploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: layout.stagedKey(writeId, key, uploadMarkerName(UploadId)),
          Body: Buffer.alloc(0),
          ContentLength: 0,
        }),
      );
    } catch (error) {
      await this.abortUpload(key, UploadId).catch(() => undefined);
      throw error;
    }
    return UploadId;
  }

  private async uploadPart(
    key: string,
    uploadId: string,
    PartNumber: number,
    piece: Piece,
  ): Promise<UploadedPart> {
    if (PartNumber > MAX_PARTS) throw new Error(`a write can hold at most ${MAX_PARTS} parts`);
    const { client, bucket, layout } = this.s3;
    const command = new UploadPartCommand({
      Bucket: bucket,
      Key: layout.objectKey(key),
      UploadId: uploadId,
      PartNumber,
      Body: piece.body,
      ContentLength: piece.size,
    });
    const { ETag } = await sendWithBody(piece.body, (options) => client.send(command, options));
    if (ETag === undefined) throw new Error('UploadPart returned no ETag');
    return { PartNumber, ETag, size: piece.size };
  }

  private async openTail(key: string, writeId: string, tail: Tail): Promise<Readable> {
    const { client, bucket, layout } = this.s3;
    const { Body } = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: layout.stagedKey(writeId, key, tail.name) }),
    );
    return nodeStream(Body);
  }

  private async putTail(key: string, writeId: string, piece: Piece): Promise<Tail> {
    const { client, bucket, layout } = this.s3;
    const tail = { name: newTailName(), size: piece.size };
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: layout.stagedKey(writeId, key, tail.name),
      Body: piece.body,
      ContentLength: piece.size,
    });
    await sendWithBody(piece.body, (options) => client.send(command, options));
    return tail;
  }

  /**
   * Best effort, and never rejects: removes what a failed append made that the state passed in does
   * not reference. Whatever this misses, the sweep at commit or abort removes; an upload whose
   * marker was never stored is left to listWrites.
   */
  private async discardAttempt(
    key: string,
    state: S3WriteState,
    uploadId: string | null,
    newTail: Tail | null,
  ): Promise<void> {
    const { layout } = this.s3;
    const newUpload = uploadId !== null && uploadId !== state.uploadId ? uploadId : null;
    await Promise.allSettled([
      newUpload !== null &&
        this.abortUpload(key, newUpload).then(() =>
          this.deleteQuietly(layout.stagedKey(state.id, key, uploadMarkerName(newUpload))),
        ),
      newTail !== null && this.deleteQuietly(layout.stagedKey(state.id, key, newTail.name)),
    ]);
  }

  /**
   * Deletes every staged object of a write, tails of failed or superseded appends included, after
   * aborting every upload its markers name but `settledUpload` (completed or aborted by the caller):
   * an append whose new state was lost may have started an upload that no saved state knows.
   * Nothing is deleted until every upload is aborted, so a sweep that fails can be run again.
   */
  private async sweepStaging(key: string, writeId: string, settledUpload: string | null): Promise<void> {
    const { client, bucket, layout } = this.s3;
    const staged: string[] = [];
    for await (const { Key } of listObjects(this.s3, layout.stagingFolder(writeId, key))) {
      if (Key !== undefined) staged.push(Key);
    }
    const uploads = staged
      .map((stagedKey) => layout.parseStagedKey(stagedKey))
      .map((object) => object && uploadIdOfMarker(object.name))
      .filter((uploadId): uploadId is string => uploadId !== undefined && uploadId !== settledUpload);
    await Promise.all(uploads.map((uploadId) => this.abortUpload(key, uploadId)));
    await Promise.all(staged.map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
  }

  private async deleteQuietly(key: string): Promise<void> {
    await this.s3.client
      .send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: key }))
      .catch(() => undefined);
  }
}

// Parts whose responses may be outstanding at once while the next one streams.
const PARTS_IN_FLIGHT = 3;

/** Resolves once a part's body has been read to its end, or destroyed; at once for a buffer. */
function drained(body: Readable | Buffer): Promise<void> {
  if (Buffer.isBuffer(body) || body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    body.once('end', resolve);
    body.once('close', resolve);
  });
}

async function* concat(first: Readable | null, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (first !== null) yield* bytesOf(first);
  yield* rest;
}
