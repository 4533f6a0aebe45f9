-- Reserve and settle, for several requests of one account in one statement and one transaction
-- (lib/credits/reservations.ts sends them; lib/credits/account-write-slots.ts gathers them). Every
-- request is still judged on its own, in the order given, by the same conditions as when it was
-- alone: each statement below runs with a fresh snapshot and sees the ones before it. What a batch
-- saves is the round trips, the commits and the hand-overs of the account's row locks between
-- requests that PostgreSQL would have run one after another anyway.
--
-- Rows are locked in one order everywhere, so that two metering transactions never wait for each
-- other in a circle: a settlement's request rows (by id), then API keys (by id), then the account.
-- Both commit without waiting for their WAL to reach the disk (the README's "What a database
-- crash can lose"); set_config's `true` keeps that to their own transaction.

-- Locks API keys in id order. One row at a time by primary key, because a cached generic plan
-- for "= ANY (an array)" may scan the whole table.
CREATE FUNCTION "ecolink_lock_api_keys"(key_ids TEXT[]) RETURNS VOID
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  key_id TEXT;
BEGIN
  FOR key_id IN SELECT DISTINCT k FROM unnest(key_ids) AS k WHERE k IS NOT NULL ORDER BY k LOOP
    PERFORM 1 FROM "ApiKey" WHERE "id" = key_id FOR UPDATE;
  END LOOP;
END
$$;

CREATE FUNCTION "ecolink_reserve_credit"(
  account_user_id TEXT,
  key_ids TEXT[],
  amounts BIGINT[],
  request_ids TEXT[],
  model_ids TEXT[],
  endpoints TEXT[],
  sources TEXT[],
  instance_ids TEXT[],
  max_in_flight INTEGER
) RETURNS TABLE ("requestId" TEXT, "spare" TEXT, "keyLive" BOOLEAN, "keyWithinLimit" BOOLEAN)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  -- Several keys are locked first, in order; one is locked by its request's own statement below.
  IF cardinality(request_ids) > 1 THEN
    PERFORM "ecolink_lock_api_keys"(key_ids);
  END IF;
  FOR i IN 1 .. cardinality(request_ids) LOOP
    RETURN QUERY
    WITH metering_commit AS (SELECT set_config('synchronous_commit', 'off', true)), api_key AS (
      SELECT "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AS "live",
             "spendLimit" IS NULL OR "spent" + "held" + amounts[i] <= "spendLimit" AS "withinLimit"
      FROM "ApiKey" WHERE "id" = key_ids[i]
      FOR UPDATE
    ), credit AS (
      -- Waiting for the account's row lock, PostgreSQL re-checks this WHERE against the row as
      -- its previous holder left it.
      UPDATE "CreditAccount" SET "held" = "held" + amounts[i], "updatedAt" = now()
      WHERE "userId" = account_user_id AND "balance" - "held" >= amounts[i]
        AND "ecolink_requests_in_flight"(account_user_id) < max_in_flight
        AND (key_ids[i] IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live" AND "withinLimit"))
      RETURNING "balance" - "held" AS "available"
    ), key_hold AS (
      UPDATE "ApiKey" SET "held" = "held" + amounts[i]
      WHERE "id" = key_ids[i] AND EXISTS (SELECT 1 FROM credit)
    ), logged AS (
      INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt", "instanceId")
      SELECT request_ids[i], account_user_id, key_ids[i], model_ids[i], endpoints[i], sources[i]::"RequestSource", 'PENDING', amounts[i], now(), instance_ids[i]
      WHERE EXISTS (SELECT 1 FROM credit)
    )
    SELECT request_ids[i],
           (SELECT c."available"::text FROM credit AS c),
           (key_ids[i] IS NULL OR EXISTS (SELECT 1 FROM api_key AS k WHERE k."live")),
           (key_ids[i] IS NULL OR EXISTS (SELECT 1 FROM api_key AS k WHERE k."withinLimit"))
    FROM metering_commit;
  END LOOP;
END
$$;

-- Null cost and tokens settle a request from its row's last checkpoint, read under the row lock,
-- so a checkpoint can't land between reading it and settling. A request already settled (not
-- PENDING) is left alone and returns no row.
CREATE FUNCTION "ecolink_settle_requests"(
  request_ids TEXT[],
  statuses TEXT[],
  costs BIGINT[],
  input_tokens INTEGER[],
  output_tokens INTEGER[],
  image_counts INTEGER[],
  audio_seconds DOUBLE PRECISION[],
  latencies INTEGER[],
  ttfts INTEGER[],
  http_statuses INTEGER[],
  error_codes TEXT[],
  input_characters INTEGER[],
  usage_counted BOOLEAN[],
  upstream_attempts INTEGER[],
  upstream_endpoints TEXT[]
)
RETURNS TABLE ("requestId" TEXT, "cost" TEXT, "balanceAfter" TEXT, "autoRechargeDue" BOOLEAN)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  request_id TEXT;
  key_id TEXT;
  key_ids TEXT[] := '{}';
BEGIN
  -- Several requests' rows and keys are locked first, in order, one row at a time by primary key
  -- (see ecolink_lock_api_keys); one request's statement below locks them in that order itself.
  IF cardinality(request_ids) > 1 THEN
    FOR request_id IN SELECT DISTINCT x FROM unnest(request_ids) AS x ORDER BY 1 LOOP
      SELECT "apiKeyId" INTO key_id FROM "RequestLog" WHERE "id" = request_id FOR UPDATE;
      key_ids := key_ids || key_id;
    END LOOP;
    PERFORM "ecolink_lock_api_keys"(key_ids);
  END IF;
  FOR i IN 1 .. cardinality(request_ids) LOOP
    RETURN QUERY
    WITH metering_commit AS (SELECT set_config('synchronous_commit', 'off', true)), request AS (
      UPDATE "RequestLog" SET
        "status" = statuses[i]::"RequestStatus",
        "cost" = LEAST(COALESCE(costs[i], "checkpointCost", 0), "reserved"),
        "inputTokens" = COALESCE(input_tokens[i], "checkpointInputTokens", 0),
        "outputTokens" = COALESCE(output_tokens[i], "checkpointOutputTokens", 0),
        "images" = image_counts[i],
        "audioSeconds" = audio_seconds[i],
        "latencyMs" = latencies[i],
        "ttftMs" = ttfts[i],
        "httpStatus" = http_statuses[i],
        "errorCode" = error_codes[i],
        "inputCharacters" = input_characters[i],
        "usageCounted" = usage_counted[i],
        "upstreamAttempts" = upstream_attempts[i],
        "upstreamEndpoint" = upstream_endpoints[i],
        "settledAt" = now()
      WHERE "id" = request_ids[i] AND "status" = 'PENDING'
      RETURNING "id", "userId", "apiKeyId", "modelId", "reserved", "cost"
    ), key_spend AS (
      UPDATE "ApiKey" AS k SET "held" = k."held" - r."reserved", "spent" = k."spent" + r."cost", "lastUsedAt" = now()
      FROM request AS r WHERE k."id" = r."apiKeyId"
      RETURNING k."id"
    ), account AS (
      -- Reading key_spend first makes this statement lock the key before the account.
      UPDATE "CreditAccount" AS a SET "held" = a."held" - r."reserved", "balance" = a."balance" - r."cost", "updatedAt" = now()
      FROM request AS r WHERE a."userId" = r."userId" AND (r."apiKeyId" IS NULL OR EXISTS (SELECT 1 FROM key_spend))
      RETURNING a."balance"
    ), charge AS (
      INSERT INTO "LedgerEntry" ("userId", "kind", "amount", "balanceAfter", "reference", "description", "createdAt")
      SELECT r."userId", 'REQUEST_CHARGE', -r."cost", a."balance", 'request:' || r."id", r."modelId" || ' request', now()
      FROM request AS r, account AS a WHERE r."cost" > 0
    )
    SELECT r."id", r."cost"::text, a."balance"::text,
           EXISTS (SELECT 1 FROM "BillingProfile" AS bp
                   WHERE bp."userId" = r."userId" AND bp."autoRechargeEnabled" AND a."balance" < bp."autoRechargeThreshold")
    FROM request AS r, account AS a, metering_commit;
  END LOOP;
END
$$;
