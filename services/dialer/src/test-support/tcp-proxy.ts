// Moved to @inbound/testing (the ingress and admin fault tests use it too).
export { startTcpProxy, type TcpProxy } from "@inbound/testing";
