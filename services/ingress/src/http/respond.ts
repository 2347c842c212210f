import type { ApiError } from "@inbound/contracts";
import type { Response } from "express";
import { requestContext } from "./context";
import { RETRY_AFTER_SECONDS } from "./unavailable";

export function sendError(res: Response, error: ApiError): void {
  requestContext(res).code = error.code;
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  if (error.status === 503 && !res.getHeader("Retry-After")) res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
  res.status(error.status).json(error.toBody());
}
