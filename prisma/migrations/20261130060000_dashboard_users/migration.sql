-- Dashboard users (SPEC §7): one organisation each; argon2id password hash; one-time set-password token stored hashed.
CREATE TABLE "dashboard_users" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT,
    "setup_token_hash" TEXT,
    "setup_expires_at" TIMESTAMPTZ(3),
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dashboard_users_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "dashboard_users_email_key" ON "dashboard_users"("email");
CREATE UNIQUE INDEX "dashboard_users_setup_token_hash_key" ON "dashboard_users"("setup_token_hash");
CREATE INDEX "dashboard_users_org_id_idx" ON "dashboard_users"("org_id");

ALTER TABLE "dashboard_users" ADD CONSTRAINT "dashboard_users_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
