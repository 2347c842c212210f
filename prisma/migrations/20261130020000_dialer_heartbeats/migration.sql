-- Dialer liveness that survives a Redis outage: a heartbeat per dialer process in Postgres, and the
-- owner of each call. A call mid-call is ended as lost only when its owner's heartbeat is stale.

-- CreateTable
CREATE TABLE "dialers" (
    "id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dialers_pkey" PRIMARY KEY ("id")
);

-- AlterTable (nullable, no default: instant on a large table; calls already mid-call have no owner)
ALTER TABLE "calls" ADD COLUMN "owner_dialer_id" TEXT;
