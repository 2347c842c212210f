/** The notifier lives in @inbound/queue so that the admin CLI and the dashboard apply changes the same way. */
export { createOrgChangeNotifier, IngressUnreachableError, type AppliedOrgChange, type OrgChangeNotifier } from "@inbound/queue";
