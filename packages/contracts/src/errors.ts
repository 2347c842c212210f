/** Every error the webhook and REST APIs can answer, with its HTTP status. Codes are stable: callers match on them. */
export const ERROR_STATUS = {
  malformed_json: 400,
  invalid_body: 400,
  unknown_action: 400,
  missing_field: 400,
  unknown_field: 400,
  invalid_type: 400,
  invalid_field: 400,
  invalid_contact_number: 400,
  invalid_contact_email: 400,
  too_many_additional_info_keys: 400,
  agent_not_found: 400,
  invalid_idempotency_key: 400,
  invalid_url: 400,
  invalid_event_type: 400,
  unknown_parameter: 400,
  invalid_parameter: 400,
  invalid_cursor: 400,
  invalid_schedule: 400,
  invalid_calling_hours: 400,
  invalid_retry: 400,
  invalid_policy: 400,
  invalid_token: 401,
  invalid_api_key: 401,
  missing_signature: 401,
  stale_timestamp: 401,
  invalid_signature: 401,
  replayed_request: 401,
  insufficient_credits: 402,
  not_found: 404,
  call_not_found: 404,
  organization_not_found: 404,
  endpoint_not_found: 404,
  message_not_found: 404,
  opt_out_not_found: 404,
  method_not_allowed: 405,
  call_not_cancelable: 409,
  call_not_deletable: 409,
  idempotency_key_in_flight: 409,
  duplicate_recipient: 409,
  body_too_large: 413,
  idempotency_key_reused: 422,
  recipient_opted_out: 422,
  no_calling_window: 422,
  unsupported_media_type: 415,
  daily_quota_exceeded: 429,
  service_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; field?: string; [extra: string]: unknown };
}

/** A failure the API answers with: a typed value, never a thrown string. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
  }

  toBody(): ErrorBody {
    return {
      success: false,
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...this.details,
      },
    };
  }
}
