-- Call orders (SPEC §9): an attempt answered by a machine ends `voicemail`.
-- AlterEnum
ALTER TYPE "call_status" ADD VALUE 'voicemail';
