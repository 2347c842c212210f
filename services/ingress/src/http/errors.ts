import { ApiError } from "@inbound/contracts";
import type { Logger } from "@inbound/logging";
import type { NextFunction, Request, Response } from "express";
import { requestContext } from "./context";
import { sendError } from "./respond";
import { toUnavailable } from "./unavailable";

const NO_SUCH_ENDPOINT =
  "No such endpoint. Webhooks are POST /v1/hooks/{token}; the REST API is described by GET /v1/openapi.json.";

interface HttpishError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  name?: unknown;
  code?: unknown;
  stack?: unknown;
}

/** Turns anything thrown into the one error shape. Only a bug in ingress may answer 500. */
export function toApiError(error: unknown, bodyLimit: number): ApiError | null {
  if (error instanceof ApiError) return error;
  const e = (error ?? {}) as HttpishError;
  switch (e.type) {
    case "entity.too.large":
      return new ApiError("body_too_large", `The body is larger than ${bodyLimit} bytes; send at most ${bodyLimit} bytes.`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError("unsupported_media_type", "Send the body as uncompressed UTF-8 JSON (Content-Type: application/json).");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
    case "stream.not.readable":
      return new ApiError("invalid_body", "The request body could not be read completely.");
  }
  const unavailable = toUnavailable(error);
  if (unavailable) return unavailable;
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 0;
  // Express/router client errors (e.g. a URL that cannot be percent-decoded).
  if (status >= 400 && status < 500 && e.expose !== false) {
    return new ApiError("not_found", NO_SUCH_ENDPOINT);
  }
  return null;
}

export function errorHandler(logger: Logger, bodyLimit: number) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    let apiError = toApiError(error, bodyLimit);
    if (!apiError) {
      // Never the message: a driver error can quote the values it choked on.
      const e = (error ?? {}) as HttpishError;
      const stack = typeof e.stack === "string" ? e.stack.split("\n").slice(1, 8).join("\n") : undefined;
      logger.error(
        { request_id: requestContext(res).requestId, error_name: String(e.name ?? typeof error), error_code: e.code, stack },
        "unexpected error",
      );
      apiError = new ApiError("internal_error", "Something went wrong on our side. Retry later; the request id identifies it.");
    } else if (apiError.status === 503) {
      logger.warn(
        { request_id: requestContext(res).requestId, error_name: String((error as HttpishError)?.name) },
        "dependency unavailable",
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendError(res, apiError);
  };
}

export function notFound(_req: Request, res: Response): void {
  sendError(res, new ApiError("not_found", NO_SUCH_ENDPOINT));
}

export function methodNotAllowed(allow: string) {
  return (_req: Request, res: Response): void => {
    res.setHeader("Allow", allow);
    sendError(res, new ApiError("method_not_allowed", `This endpoint accepts ${allow} only.`));
  };
}
