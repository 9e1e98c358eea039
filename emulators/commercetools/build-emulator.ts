import { CommercetoolsMock } from '@labdigital/commercetools-mock';
import {
  type DatasetName,
  type DatasetSize,
  type GeneratedRecord,
  generateDataset,
  type StoreSpec,
} from '../data/generate.ts';
import { FaultInjector, type FaultRule } from '../shared/faults.ts';
import { registerControl } from './control.ts';
import { installFidelityLayer } from './fidelity.ts';
import { IndexedStorage } from './indexed-storage.ts';
import { installProductSelectionProducts } from './product-selections.ts';
import { ScopeRegistry } from './scopes.ts';

export interface CommercetoolsEmulatorOptions {
  /** The project key served (any other key is served too, as the mock auto-creates projects). Default `demo`. */
  projectKey?: string;
  /** A named or sized dataset generated and loaded at start. */
  dataset?: DatasetName | DatasetSize;
  seed?: number;
  /** Stores in the generated dataset (none by default), e.g. TWO_STORES. */
  stores?: readonly StoreSpec[];
  faults?: FaultRule[];
  faultSeed?: number;
  /** Deflate stored documents (for million-record datasets). */
  compress?: boolean;
  /** The scopes of the emulated API client: a token request without `scope` gets these. Default `manage_project:<key>`. */
  clientScopes?: string;
  port?: number;
  host?: string;
}

export interface RunningCommercetoolsEmulator {
  /** Serves both the API and `/oauth/token`, so CT_API_URL = CT_AUTH_URL = url. */
  url: string;
  projectKey: string;
  mock: CommercetoolsMock;
  storage: IndexedStorage;
  faults: FaultInjector;
  /** Loads records straight into storage (no validation; like the mock's unsafeAdd, but synchronous). */
  load(records: Iterable<GeneratedRecord>): Record<string, number>;
  close(): Promise<void>;
}

export const DEFAULT_PROJECT_KEY = 'demo';

/** Counts per type of what was loaded. */
export function loadRecords(
  storage: IndexedStorage,
  projectKey: string,
  records: Iterable<GeneratedRecord>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    storage.put(projectKey, r.typeId, r.resource as { id: string });
    counts[r.typeId] = (counts[r.typeId] ?? 0) + 1;
  }
  return counts;
}

export async function startCommercetoolsEmulator(
  options: CommercetoolsEmulatorOptions = {},
): Promise<RunningCommercetoolsEmulator> {
  const projectKey = options.projectKey ?? DEFAULT_PROJECT_KEY;
  const storage = new IndexedStorage({ compress: options.compress });
  const mock = new CommercetoolsMock({
    enableAuthentication: true,
    validateCredentials: true,
    strict: true,
    defaultProjectKey: projectKey,
    storage,
    silent: true,
  });
  const faults = new FaultInjector(options.faults ?? [], options.faultSeed);
  registerControl(mock.app, { storage, faults, projectKey });
  installFidelityLayer(mock.app, storage, faults);
  installProductSelectionProducts(mock.app, storage);
  new ScopeRegistry((key) => options.clientScopes ?? `manage_project:${key}`).install(mock.app, projectKey);
  if (options.dataset)
    loadRecords(
      storage,
      projectKey,
      generateDataset({ size: options.dataset, seed: options.seed, stores: options.stores }),
    );
  const host = options.host ?? '127.0.0.1';
  await mock.app.listen({ port: options.port ?? 0, host });
  const address = mock.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    projectKey,
    mock,
    storage,
    faults,
    load: (records) => loadRecords(storage, projectKey, records),
    close: async () => {
      await mock.app.close();
    },
  };
}
