import type { StoredObject } from '../blob-store';
import type { S3Context } from './s3-context';
import { listObjects } from './s3-listing';

/**
 * The committed objects whose keys start with `prefix`, in key order, a page at a time. Only
 * objects/ is listed, so staging/ never is; multipart uploads target objects/ too, but S3 lists an
 * upload's object only once it is complete. Bucket keys under objects/ that are no key of the
 * store (written there by hand, or a console's folder marker) are left out: the store could not
 * name them to delete them.
 */
export async function* listCommittedObjects(s3: S3Context, prefix: string): AsyncGenerator<StoredObject> {
  // Every bucket key listed shares the folder, so bucket key order is the order of the store's keys.
  for await (const { Key, Size, LastModified } of listObjects(s3, s3.layout.objectPrefix(prefix))) {
    const key = Key === undefined ? undefined : s3.layout.keyOfObject(Key);
    // Never missing on S3 and its kin; an object that cannot be dated is not one to judge by age.
    if (key === undefined || Size === undefined || LastModified === undefined) continue;
    yield { key, size: Size, lastModified: LastModified };
  }
}
