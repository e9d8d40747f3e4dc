/**
 * The store's contract: what every implementation of `Store`
 * (collector/src/store/types.ts) must do, written against the interface only.
 * An implementation's test calls `runStoreContract` with a factory; each case
 * gets a fresh, empty store and tears it down after. Cases that need a store
 * to outlive a close are skipped, saying why, for a factory whose stores
 * cannot reopen (an in-memory store).
 *
 *   runStoreContract({ name: 'SQLite file', reopens: true, newStore: async () => ({ store, reopen, teardown }) });
 */
import { afterEach, describe, it } from 'vitest';
import type { Store } from '../../../collector/src/store/types.ts';
import { ingestContract } from './ingest.ts';
import { agentContract } from './agents.ts';
import { ledgerContract } from './ledger.ts';
import { monthContract } from './month.ts';
import { monthsContract } from './months.ts';
import { deliveryContract } from './deliveries.ts';
import { apiTokenContract } from './api-tokens.ts';
import { hiddenFlapContract } from './hidden-flaps.ts';
import { chainContract } from './chain.ts';
import { operationContract } from './operations.ts';

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and opens the same data again (what a restart sees); absent when nothing outlives a close. */
  reopen?: () => Promise<Store>;
  /** Closes whatever is open and removes what the factory made (files, databases). */
  teardown: () => Promise<void>;
}

export interface StoreContractOptions {
  /** Names the implementation in the test titles. */
  name: string;
  /** Whether `newStore` gives stores with `reopen`. */
  reopens: boolean;
  /** A fresh, empty store; its setup and teardown may be asynchronous (a database created and dropped). */
  newStore: () => Promise<StoreUnderTest>;
}

/** What each part of the contract gets. */
export interface ContractContext {
  /** A fresh store for this case, torn down after it. */
  open(): Promise<StoreUnderTest>;
  /** A case that closes the store and reads it again: skipped, with the reason in its title, where stores cannot reopen. */
  reopenCase(title: string, fn: () => Promise<void>): void;
}

export function runStoreContract(o: StoreContractOptions): void {
  describe(`store contract: ${o.name}`, () => {
    const opened: StoreUnderTest[] = [];
    afterEach(async () => { for (const s of opened.splice(0)) await s.teardown(); });
    const ctx: ContractContext = {
      async open() {
        const s = await o.newStore();
        opened.push(s);
        return s;
      },
      reopenCase(title, fn) {
        if (o.reopens) it(title, fn);
        else it.skip(`${title} (skipped: ${o.name} keeps nothing once closed)`, fn);
      },
    };
    ingestContract(ctx);
    agentContract(ctx);
    ledgerContract(ctx);
    deliveryContract(ctx);
    monthContract(ctx);
    monthsContract(ctx);
    hiddenFlapContract(ctx);
    apiTokenContract(ctx);
    chainContract(ctx);
    operationContract(ctx);
  });
}
