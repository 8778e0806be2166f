import type { BlobStore } from '../blob-store';
import { describeListingContract } from './listing.contract';
import { describeObjectContract } from './objects.contract';
import { describePendingWriteContract } from './pending-writes.contract';
import { describeResumableWriteContract } from './resumable-writes.contract';

/** A store under test, and the means to inspect and dispose of its storage. */
export interface BlobStoreFixture {
  store: BlobStore;
  /** Another store over the same storage, as a second process would open it. */
  openPeer(): BlobStore;
  /** Everything in the storage the store owns, staged data and incomplete uploads included. */
  listStored(): Promise<string[]>;
  /** Closes the store and removes its storage. */
  cleanup(): Promise<void>;
}

/** Known faults of a test double, each skipping the one case it breaks; never set for a real backend. */
export interface TestDoubleGaps {
  /** s3rver reads `Range: bytes=0-0` as open-ended and serves the whole object. */
  firstByteRange?: boolean;
}

/** What each test of the contract gets. */
export interface ContractContext {
  readonly store: BlobStore;
  /** A second store over the same storage; closed after the test. */
  peer(): BlobStore;
}

/**
 * The behaviour every BlobStore adapter must show. Each test gets a fresh store from `makeStore`
 * and must remove what it stored: a test that leaves anything in the storage fails. A store that
 * lists a page at a time should list two or three entries a page, so that listings cross pages.
 */
export function describeBlobStoreContract(
  name: string,
  makeStore: () => Promise<BlobStoreFixture>,
  gaps: TestDoubleGaps = {},
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let peers: BlobStore[] = [];
    const context: ContractContext = {
      get store() {
        return fixture.store;
      },
      peer() {
        const peer = fixture.openPeer();
        peers.push(peer);
        return peer;
      },
    };

    beforeEach(async () => {
      fixture = await makeStore();
      peers = [];
    });

    afterEach(async () => {
      try {
        expect(await fixture.listStored()).toEqual([]);
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
        await fixture.cleanup();
      }
    });

    it('names its kind and reports itself healthy', async () => {
      expect(context.store.kind).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(Number.isSafeInteger(context.store.minEfficientAppend)).toBe(true);
      await expect(context.store.checkHealth()).resolves.toBeUndefined();
    });

    describeObjectContract(context, gaps);
    describeListingContract(context);
    describeResumableWriteContract(context);
    describePendingWriteContract(context);
  });
}
