// @inbound/calls: the call operations every entry point shares (webhook and REST through the ingress's
// run-action, the dashboard, the admin CLI). One operation, one implementation: callers adapt the result
// to their transport and never re-implement a rule.
export type { CallRequest, CallUseCaseDeps } from "./call-use-case";
export { CALL_NOT_FOUND_MESSAGE, callNotFound } from "./errors";
export { CALL_CANCELED_MESSAGE, type CanceledCall, cancelCall } from "./use-cases/cancel-call";
export { CALL_DELETED_MESSAGE, type DeletedCall, deleteCall } from "./use-cases/delete-call";
