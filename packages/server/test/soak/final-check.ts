import { OCI_MANIFEST, type OciClient } from '../support/oci-client';
import type { Ledger } from './soak-client';
import { seededBytes } from './seeded-bytes';

/** The outcome of pulling back everything a soak had acknowledged. */
export interface FinalCheck {
  blobs: number;
  manifests: number;
  tags: number;
  /** One line per blob, manifest or tag that did not come back as acknowledged. */
  problems: string[];
}

/** Pulls every acknowledged blob and manifest and compares them byte for byte; checks every tag's target. */
export async function checkAcknowledged(client: OciClient, ledger: Ledger): Promise<FinalCheck> {
  const problems = ledger.mismatches.map((what) => `pulled different bytes during the soak: ${what}`);
  for (const blob of ledger.blobs) {
    const res = await client.request('GET', `/v2/${blob.repository}/blobs/${blob.digest}`, { follow: true });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) problems.push(`blob ${blob.repository}@${blob.digest}: ${res.status}`);
    else if (!body.equals(seededBytes(blob.seed, blob.size)))
      problems.push(`blob ${blob.digest}: other bytes`);
  }
  for (const manifest of ledger.manifests) {
    const res = await client.request('GET', `/v2/${manifest.repository}/manifests/${manifest.digest}`, {
      headers: { Accept: OCI_MANIFEST },
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200)
      problems.push(`manifest ${manifest.repository}@${manifest.digest}: ${res.status}`);
    else if (!body.equals(manifest.bytes)) problems.push(`manifest ${manifest.digest}: other bytes`);
  }
  for (const [reference, digest] of ledger.tags) {
    const [repository, tag] = reference.split(':');
    const res = await client.request('HEAD', `/v2/${repository}/manifests/${tag}`, {
      headers: { Accept: OCI_MANIFEST },
    });
    const target = res.headers.get('docker-content-digest');
    if (target !== digest)
      problems.push(`tag ${reference}: points at ${target ?? res.status}, not ${digest}`);
  }
  return { blobs: ledger.blobs.length, manifests: ledger.manifests.length, tags: ledger.tags.size, problems };
}
