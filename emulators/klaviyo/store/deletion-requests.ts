import { createHash } from 'node:crypto';

/** The identifier a deletion request names: exactly one of them (`request_profile_deletion`). */
export type DeletionIdentifierType = 'email' | 'phone_number' | 'id';

/**
 * One `request_profile_deletion`, as the emulator remembers it. The identifier itself is not kept (a deletion
 * request is about personal data): only its type and a digest, which `digestOf` recomputes to find a request
 * by email, phone number or profile id.
 */
export interface DeletionRequest {
  /** The id of the job that carries the deletion out (`/__emulator/jobs`). */
  id: string;
  identifierType: DeletionIdentifierType;
  identifierDigest: string;
  requestedAt: string;
  /** When the job ran; null until then. */
  completedAt: string | null;
  /** The profiles it deleted (none when no profile matched: Klaviyo still answers 202). */
  deletedProfileIds: string[];
}

/** sha256 of the type and the identifier; emails compare case-insensitively, as Klaviyo's do. */
export function digestOf(type: DeletionIdentifierType, value: string): string {
  const normal = type === 'email' ? value.toLowerCase() : value;
  return createHash('sha256').update(`${type}:${normal}`).digest('hex');
}

/** The deletion requests of one account, in the order they were made. */
export class DeletionRequests {
  readonly requests: DeletionRequest[] = [];

  add(id: string, type: DeletionIdentifierType, value: string, requestedAt: string): DeletionRequest {
    const request: DeletionRequest = {
      id,
      identifierType: type,
      identifierDigest: digestOf(type, value),
      requestedAt,
      completedAt: null,
      deletedProfileIds: [],
    };
    this.requests.push(request);
    return request;
  }

  clear(): void {
    this.requests.length = 0;
  }
}
