// Explicit named exports: what @inbound/db offers is listed here, one module at a time (no `export *`).
export {
  PrismaClient,
  createDatabase,
  type Database,
  type DatabaseOptions,
} from "./database";
export { isDatabaseUnavailable } from "./unavailable";
export {
  DEFAULT_MIGRATIONS_DIR,
  loadMigrations,
  migrate,
  type MigrationResult,
} from "./migrate/migrate";
export {
  NotFoundError,
  addCredits,
  createAgent,
  createOrganization,
  disableSigning,
  enableSigning,
  rotateSigning,
  rotateWebhookToken,
  setDailyQuota,
  showOrganization,
  type OrganizationView,
} from "./admin/organizations";
export { showCall } from "./admin/show-call";
export { Prisma } from "./generated/prisma/client";
export type { CallStatus as DbCallStatus } from "./generated/prisma/client";
export {
  TRANSITIONS_WITH,
  transitionsWith,
  assertTransition,
  currentStatus,
  movedCall,
  movePath,
  transitionCall,
  transitionCalls,
  transitionInputs,
  type EngagementRecord,
  type MovedCall,
  type MovedRow,
  type TransitionRequest,
  type TransitionResult,
} from "./calls/transition-call";
export {
  createdCallAt,
  createQueuedCall,
  createQueuedCalls,
  type CreateCallInput,
  type CreateCallOrder,
  type CreateCallResult,
} from "./calls/create-call";
export {
  countLiveCalls,
  readOrgPolicy,
  updateOrgPolicy,
  type OrgPolicyChange,
  type OrgPolicyRecord,
} from "./orders/org-policy";
export { addOptOut, isOptedOut, listOptOuts, removeOptOut, type OptOutRecord } from "./orders/opt-outs";
export { promoteDueCalls } from "./orders/due-calls";
export { slotsHeld, unparkCalls } from "./orders/capacity";
export { loadRedialContext, type RedialContext } from "./orders/redial";
export { mayHaveCommitted, settleFailedWrite, StatementNotSentError } from "./calls/commit-outcome";
export {
  eraseCall,
  type DeleteCallResult,
} from "./calls/delete-call";
export {
  findWebhookOrg,
  findWebhookOrgs,
  type SealedSigningSecret,
  type WebhookOrg,
} from "./ingress/find-webhook-org";
export {
  claimIdempotencyKey,
  releaseIdempotencyKey,
  storeIdempotentResponse,
  sweepExpiredIdempotencyRecords,
  type ClaimInput,
  type IdempotencyClaim,
  type StoredResponse,
} from "./ingress/idempotency";
export {
  claimQueuedCall,
  claimQueuedCalls,
  claimRetryAttempt,
  loadCallProgress,
  loadDialableCall,
  recordPlacements,
  scheduleRetry,
  touchLiveCall,
  type CallProgress,
  type ClaimRequest,
  type ClaimResult,
  type DialableCall,
  type DialOrder,
} from "./dialer/dial-queries";
export {
  findIdleLiveCalls,
  findQueuedCalls,
  findUnpurgedDeletions,
  type LiveCallRef,
  type QueuedCallRef,
} from "./dialer/reconcile-queries";
export {
  loadDeletion,
  providerCallIdsOf,
  recordPurgeAttempt,
  type PendingDeletion,
} from "./dialer/purge-queries";
export {
  advanceSimulatedDials,
  findSimulatedDial,
  findSimulatedDials,
  hangUpSimulatedDial,
  insertSimulatedDials,
  purgeSimulatedDials,
  stepSimulatedDials,
  type SimulatedDial,
  type SimulatedDialInput,
  type SimulatedStep,
} from "./dialer/simulated-provider-store";
export {
  heartbeatDialer,
  pruneDialers,
  retireDialer,
  takeOverLostCall,
  type TakeOverResult,
} from "./dialer/dialer-liveness";
export {
  claimProviderEvents,
  countPendingProviderEvents,
  markProviderEventsApplied,
  recordProviderEvent,
  recordProviderEvents,
  type RecordedProviderEvent,
} from "./provider-events/provider-events";
export {
  runSql,
  type SqlClient,
} from "./calls/run-sql";
export { statusListSql } from "./calls/status-sql";
export {
  BatcherFullError,
  createBatcher,
  type BatcherOptions,
} from "./batching/create-batcher";
export {
  changeEndpoint,
  findEndpoint,
  insertEndpoint,
  insertTestMessage,
  listAttempts,
  listEndpoints,
  listMessages,
  recoverFailedMessages,
  resendMessage,
  rotateEndpointSecret,
  type AttemptView,
  type EndpointView,
  type MessageView,
} from "./webhooks/endpoints";
export {
  claimDueMessages,
  recordAttempts,
  sweepWebhookLog,
  webhookBacklog,
  type AttemptOutcome,
  type AttemptRecord,
  type ClaimedMessage,
} from "./webhooks/delivery-queries";
export { outboxCtes } from "./webhooks/outbox-sql";
export {
  SETUP_TOKEN_TTL_HOURS,
  DuplicateUserError,
  normalizeEmail,
  createDashboardUser,
  findDashboardUser,
  recordSignIn,
  findSetupToken,
  setPasswordWithToken,
  type SignInCandidate,
} from "./dashboard/users";
export {
  listOrgCalls,
  showOrgCall,
  callsPerHour,
  currentTokenPrefix,
  signingGraceUntil,
  firstAgent,
  type CallListItem,
  type CallTimeline,
} from "./dashboard/calls";
export {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  findApiKeyOrgs,
  touchApiKeys,
  type ApiKeyView,
  type ApiKeyOrg,
} from "./api-keys/api-keys";
export {
  readCall,
  readCalls,
  listCalls,
  readCallEvents,
  type CallRecord,
  type CallCursor,
  type ListCallsQuery,
  type CallEventRecord,
} from "./calls/read-calls";
