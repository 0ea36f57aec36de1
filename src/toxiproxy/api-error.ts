/**
 * An error the API answers with Toxiproxy's body shape `{"error": "...", "status": N}`.
 * Messages are Toxiproxy's own where it has one, so clients that match on them keep working.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const errors = {
  badBody: (detail: string) => new ApiError(400, `bad request body: ${detail}`),
  missingName: () => new ApiError(400, 'missing required field: name'),
  missingUpstream: () => new ApiError(400, 'missing required field: upstream'),
  missingNameAt: (n: number) => new ApiError(400, `missing required field: name at proxy ${n}`),
  missingUpstreamAt: (n: number) => new ApiError(400, `missing required field: upstream at proxy ${n}`),
  proxyNotFound: () => new ApiError(404, 'proxy not found'),
  proxyExists: () => new ApiError(409, 'proxy already exists'),
  invalidStream: () => new ApiError(400, 'stream was invalid, can be either upstream or downstream'),
  invalidToxicType: () => new ApiError(400, 'invalid toxic type'),
  toxicExists: () => new ApiError(409, 'toxic already exists'),
  toxicNotFound: () => new ApiError(404, 'toxic not found'),
} as const;
