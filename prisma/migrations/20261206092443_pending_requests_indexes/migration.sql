-- The status indexes of RequestLog keep only requests in flight (PENDING): the sweeps and the
-- in-flight count are all that read them. A settled request leaves them, so settling it writes
-- two index entries fewer, and they stay as small as the number of requests in flight however
-- long the history grows.
-- DropIndex
DROP INDEX "RequestLog_status_createdAt_idx";

-- DropIndex
DROP INDEX "RequestLog_userId_status_idx";

-- CreateIndex
CREATE INDEX "RequestLog_pending_createdAt_idx" ON "RequestLog"("createdAt") WHERE ("status" = 'PENDING');

-- CreateIndex
CREATE INDEX "RequestLog_pending_userId_idx" ON "RequestLog"("userId") WHERE ("status" = 'PENDING');
