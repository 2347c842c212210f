import { ApiError } from "@inbound/contracts";

export const CALL_NOT_FOUND_MESSAGE = "No call with this call_id exists for this organisation.";

/** 404 call_not_found: unknown, deleted, or another organisation's call (SPEC §2: all three look the same). */
export function callNotFound(field = "data.call_id"): ApiError {
  return new ApiError("call_not_found", CALL_NOT_FOUND_MESSAGE, field);
}
