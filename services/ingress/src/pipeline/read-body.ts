import { ApiError } from "@inbound/contracts";
import express, { type NextFunction, type Request, type Response } from "express";

/** application/json, optionally with charset=utf-8; anything else is 415 before the body is read. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(";");
  if (type?.trim().toLowerCase() !== "application/json") return false;
  return params.every((param) => {
    const [name, value] = param.split("=").map((s) => s.trim().toLowerCase());
    return name !== "charset" || value === "utf-8" || value === "utf8" || value === '"utf-8"';
  });
}

export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON with the header Content-Type: application/json.");
  }
  next();
}

/** The raw bytes, kept as a Buffer for the HMAC; uncompressed only (the signature covers the bytes as sent). */
export function readRawBody(limitBytes: number) {
  return express.raw({ type: () => true, limit: limitBytes, inflate: false });
}

export function rawBodyOf(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
