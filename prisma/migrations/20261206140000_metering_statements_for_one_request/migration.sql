-- The reserve and the settlement of ONE request, each as a SQL function: the gateway calls them
-- directly for a write that goes alone (most of them), and the batch functions call them once per
-- request, in order, so each statement is written once. Called directly, a SQL function costs
-- PostgreSQL what the bare statement costs (PostgreSQL 18 caches its plan); the PL/pgSQL batch
-- function's loop around the same statement cost about 45 µs more per call, on every request's path.
--
-- Lock order and durability are as in 20261206063000_metering_writes_in_batches: request row, then
-- API key, then account; synchronous_commit off for the statement's own transaction.
--
-- Parameter names must not be the name of a column the statement reads (a column wins in a SQL
-- function): hence hold_amount, not amount.

CREATE FUNCTION "ecolink_reserve_one"(
  account_user_id TEXT,
  key_id TEXT,
  hold_amount BIGINT,
  new_request_id TEXT,
  model_id TEXT,
  endpoint_path TEXT,
  request_source TEXT,
  instance_id TEXT,
  max_in_flight INTEGER
) RETURNS TABLE ("requestId" TEXT, "spare" TEXT, "keyLive" BOOLEAN, "keyWithinLimit" BOOLEAN)
LANGUAGE sql VOLATILE AS $$
  WITH metering_commit AS (SELECT set_config('synchronous_commit', 'off', true)), api_key AS (
    SELECT "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now()) AS "live",
           "spendLimit" IS NULL OR "spent" + "held" + hold_amount <= "spendLimit" AS "withinLimit"
    FROM "ApiKey" WHERE "id" = key_id
    FOR UPDATE
  ), credit AS (
    -- Waiting for the account's row lock, PostgreSQL re-checks this WHERE against the row as its
    -- previous holder left it.
    UPDATE "CreditAccount" SET "held" = "held" + hold_amount, "updatedAt" = now()
    WHERE "userId" = account_user_id AND "balance" - "held" >= hold_amount
      AND "ecolink_requests_in_flight"(account_user_id) < max_in_flight
      AND (key_id IS NULL OR EXISTS (SELECT 1 FROM api_key WHERE "live" AND "withinLimit"))
    RETURNING "balance" - "held" AS "available"
  ), key_hold AS (
    UPDATE "ApiKey" SET "held" = "held" + hold_amount
    WHERE "id" = key_id AND EXISTS (SELECT 1 FROM credit)
  ), logged AS (
    INSERT INTO "RequestLog" ("id", "userId", "apiKeyId", "modelId", "endpoint", "source", "status", "reserved", "createdAt", "instanceId")
    SELECT new_request_id, account_user_id, key_id, model_id, endpoint_path, request_source::"RequestSource", 'PENDING', hold_amount, now(), instance_id
    WHERE EXISTS (SELECT 1 FROM credit)
  )
  SELECT new_request_id,
         (SELECT c."available"::text FROM credit AS c),
         (key_id IS NULL OR EXISTS (SELECT 1 FROM api_key AS k WHERE k."live")),
         (key_id IS NULL OR EXISTS (SELECT 1 FROM api_key AS k WHERE k."withinLimit"))
  FROM metering_commit
$$;

-- A null cost and token counts settle the request from its row's last checkpoint, read under the
-- row lock, so a checkpoint can't land between reading it and settling. A request already settled
-- (not PENDING) is left alone and returns no row.
CREATE FUNCTION "ecolink_settle_one"(
  request_id TEXT,
  final_status TEXT,
  real_cost BIGINT,
  input_token_count INTEGER,
  output_token_count INTEGER,
  image_count INTEGER,
  audio_duration DOUBLE PRECISION,
  latency INTEGER,
  ttft INTEGER,
  http_status INTEGER,
  error_code TEXT,
  input_character_count INTEGER,
  counted_here BOOLEAN,
  attempts INTEGER,
  endpoint_name TEXT
) RETURNS TABLE ("requestId" TEXT, "cost" TEXT, "balanceAfter" TEXT, "autoRechargeDue" BOOLEAN)
LANGUAGE sql VOLATILE AS $$
  WITH metering_commit AS (SELECT set_config('synchronous_commit', 'off', true)), request AS (
    UPDATE "RequestLog" SET
      "status" = final_status::"RequestStatus",
      "cost" = LEAST(COALESCE(real_cost, "checkpointCost", 0), "reserved"),
      "inputTokens" = COALESCE(input_token_count, "checkpointInputTokens", 0),
      "outputTokens" = COALESCE(output_token_count, "checkpointOutputTokens", 0),
      "images" = image_count,
      "audioSeconds" = audio_duration,
      "latencyMs" = latency,
      "ttftMs" = ttft,
      "httpStatus" = http_status,
      "errorCode" = error_code,
      "inputCharacters" = input_character_count,
      "usageCounted" = counted_here,
      "upstreamAttempts" = attempts,
      "upstreamEndpoint" = endpoint_name,
      "settledAt" = now()
    WHERE "id" = request_id AND "status" = 'PENDING'
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
  FROM request AS r, account AS a, metering_commit
$$;

-- The batch functions keep their signatures, their up-front locking in order, and their loop; the
-- loop runs the one-request functions above.
CREATE OR REPLACE FUNCTION "ecolink_reserve_credit"(
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
BEGIN
  -- Several keys are locked first, in order; one is locked by its request's own statement.
  IF cardinality(request_ids) > 1 THEN
    PERFORM "ecolink_lock_api_keys"(key_ids);
  END IF;
  FOR i IN 1 .. cardinality(request_ids) LOOP
    RETURN QUERY SELECT * FROM "ecolink_reserve_one"(
      account_user_id, key_ids[i], amounts[i], request_ids[i], model_ids[i], endpoints[i], sources[i], instance_ids[i], max_in_flight);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION "ecolink_settle_requests"(
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
  -- (see ecolink_lock_api_keys); one request's statement locks them in that order itself.
  IF cardinality(request_ids) > 1 THEN
    FOR request_id IN SELECT DISTINCT x FROM unnest(request_ids) AS x ORDER BY 1 LOOP
      SELECT "apiKeyId" INTO key_id FROM "RequestLog" WHERE "id" = request_id FOR UPDATE;
      key_ids := key_ids || key_id;
    END LOOP;
    PERFORM "ecolink_lock_api_keys"(key_ids);
  END IF;
  FOR i IN 1 .. cardinality(request_ids) LOOP
    RETURN QUERY SELECT * FROM "ecolink_settle_one"(
      request_ids[i], statuses[i], costs[i], input_tokens[i], output_tokens[i], image_counts[i], audio_seconds[i], latencies[i],
      ttfts[i], http_statuses[i], error_codes[i], input_characters[i], usage_counted[i], upstream_attempts[i], upstream_endpoints[i]);
  END LOOP;
END
$$;
