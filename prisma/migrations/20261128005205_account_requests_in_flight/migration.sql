-- CreateIndex
CREATE INDEX "RequestLog_userId_status_idx" ON "RequestLog"("userId", "status");

-- The reserve statement's limit on an account's requests in flight. VOLATILE because a volatile
-- function takes a fresh snapshot for each query it runs: when the reserve waits for the account
-- row's lock and PostgreSQL re-checks its WHERE, the count then sees the PENDING rows that the
-- lock's previous holder committed, so a burst cannot pass the limit together (a plain subquery
-- counts from the statement's first snapshot). An aggregate over a table is never inlined.
CREATE FUNCTION "ecolink_requests_in_flight"(account_user_id TEXT) RETURNS INTEGER
LANGUAGE sql VOLATILE AS $$
  SELECT count(*)::integer FROM "RequestLog" WHERE "userId" = account_user_id AND "status" = 'PENDING'
$$;
