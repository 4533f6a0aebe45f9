// A loopback stand-in for the part of Stripe's API that EcoLink uses, so that billing runs end to
// end with the real `stripe` SDK (pointed here by STRIPE_API_BASE) and nothing leaves the machine.
// It parses form bodies the way Stripe does (`metadata[user_id]=…`, `line_items[0][price_data]…`),
// answers in Stripe's object shapes, honours Idempotency-Key like Stripe (same key and parameters →
// the first response replayed; other parameters → 400), declines Stripe's declining test payment
// methods (`pm_card_chargeDeclined`) and cards a test makes decline, and records every /v1 request.
// Tests can also open and close disputes on a charge (as a cardholder's bank would), and make the
// next payment intent creation stall — lost before Stripe acts on it, or answered never after it
// did — to play a process that dies while waiting for Stripe.
//
// Tests talk to it over HTTP (it runs in the stack's process): `stripeFake()` reads what the app
// sent and plays the customer's side (completing a Checkout), and `signedStripeWebhook()` builds a
// Stripe event signed the way Stripe signs it.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export interface RecordedStripeRequest {
  method: string;
  path: string;
  /** Query string (GET) or form body (POST), parsed into nested objects the way Stripe reads them. */
  params: FormObject;
  idempotencyKey: string | null;
  at: string;
}

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

type StripeObject = Record<string, unknown> & { id: string };

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** Parses `a[b][0][c]=v` pairs into nested objects; all-numeric keys become arrays, as in Stripe. */
function parseStripeForm(pairs: Iterable<[string, string]>): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of pairs) {
    const [head = "", ...rest] = rawKey.split("[").map((part, i) => (i === 0 ? part : part.replace(/]$/, "")));
    const keys = [head, ...rest];
    let node: FormObject = root;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (typeof next !== "object" || next === null) node[key] = {};
      node = node[key] as FormObject;
    });
  }
  return arraysFromIndexedObjects(root) as FormObject;
}

function arraysFromIndexedObjects(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((k) => [k, arraysFromIndexedObjects(value[k]!)]));
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => converted[k]!);
  }
  return converted;
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function str(params: FormObject, key: string): string | undefined {
  const value = params[key];
  return typeof value === "string" ? value : undefined;
}

function obj(params: FormObject, key: string): FormObject {
  const value = params[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}

function required(params: FormObject, key: string): string {
  const value = str(params, key);
  if (value === undefined || value === "") {
    throw new StripeApiError(400, { type: "invalid_request_error", code: "parameter_missing", param: key, message: `Missing required param: ${key}.` });
  }
  return value;
}

function positiveInteger(value: string | undefined, param: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new StripeApiError(400, { type: "invalid_request_error", code: "parameter_invalid_integer", param, message: `Invalid integer: ${value}` });
  }
  return number;
}

function notFound(kind: string, objectId: string): StripeApiError {
  return new StripeApiError(404, { type: "invalid_request_error", code: "resource_missing", param: "id", message: `No such ${kind}: '${objectId}'` });
}

function expands(params: FormObject): string[] {
  const value = params.expand;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Stripe's test payment methods that are declined (https://docs.stripe.com/testing#declined-payments). */
const STRIPE_DECLINING_PAYMENT_METHODS = ["pm_card_chargeDeclined", "pm_card_visa_chargeDeclined", "pm_card_chargeDeclinedInsufficientFunds"];

export interface StripeFakeServer {
  url: string;
  close(): Promise<void>;
}

export async function startStripeFake(options: { secretKey: string }): Promise<StripeFakeServer> {
  const requests: RecordedStripeRequest[] = [];
  const idempotent = new Map<string, StoredResponse>();
  const customers = new Map<string, StripeObject>();
  const sessions = new Map<string, StripeObject>();
  const paymentIntents = new Map<string, StripeObject>();
  const charges = new Map<string, StripeObject>();
  const refunds = new Map<string, StripeObject>();
  const disputes = new Map<string, StripeObject>();
  // How the next payment intent creation for a customer stalls: "before" never creates it, "after"
  // creates (and confirms) it but never answers.
  const paymentIntentStalls = new Map<string, "before" | "after">();
  // Stripe's declining test cards, plus saved cards a test has made start declining.
  const decliningPaymentMethods = new Set(STRIPE_DECLINING_PAYMENT_METHODS);
  // What each Checkout Session will apply to the payment intent Checkout creates when it is paid.
  const pendingIntentData = new Map<string, FormObject>();

  function find(store: Map<string, StripeObject>, kind: string, objectId: string): StripeObject {
    const found = store.get(objectId);
    if (!found) throw notFound(kind, objectId);
    return found;
  }

  function createCharge(intent: StripeObject, paymentMethod: string): StripeObject {
    const charge: StripeObject = {
      id: id("ch"),
      object: "charge",
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: 0,
      balance_transaction: id("txn"),
      billing_details: { address: null, email: null, name: null, phone: null },
      captured: true,
      created: now(),
      currency: intent.currency,
      customer: intent.customer ?? null,
      description: intent.description ?? null,
      disputed: false,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: intent.metadata ?? {},
      paid: true,
      payment_intent: intent.id,
      payment_method: paymentMethod,
      receipt_email: null,
      receipt_url: `https://pay.stripe.com/receipts/payment/${randomBytes(24).toString("base64url")}`,
      refunded: false,
      status: "succeeded",
    };
    charges.set(charge.id, charge);
    return charge;
  }

  function newPaymentIntent(fields: {
    amount: number;
    currency: string;
    customer: string | null;
    description: string | null;
    metadata: FormObject;
    setupFutureUsage: string | null;
  }): StripeObject {
    const intent: StripeObject = {
      id: id("pi"),
      object: "payment_intent",
      amount: fields.amount,
      amount_capturable: 0,
      amount_received: 0,
      capture_method: "automatic",
      client_secret: null,
      confirmation_method: "automatic",
      created: now(),
      currency: fields.currency,
      customer: fields.customer,
      description: fields.description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: fields.metadata,
      payment_method: null,
      payment_method_types: ["card"],
      setup_future_usage: fields.setupFutureUsage,
      status: "requires_payment_method",
    };
    intent.client_secret = `${intent.id}_secret_${randomBytes(12).toString("hex")}`;
    paymentIntents.set(intent.id, intent);
    return intent;
  }

  /** Confirms an intent with a payment method: succeeds with a charge, or fails like a declined card. */
  function confirmPaymentIntent(intent: StripeObject, paymentMethod: string): void {
    intent.payment_method = paymentMethod;
    if (decliningPaymentMethods.has(paymentMethod)) {
      const error = {
        type: "card_error",
        code: "card_declined",
        decline_code: "generic_decline",
        message: "Your card was declined.",
        payment_method: { id: paymentMethod, object: "payment_method" },
      };
      intent.status = "requires_payment_method";
      intent.last_payment_error = error;
      throw new StripeApiError(402, { ...error, payment_intent: intent });
    }
    const charge = createCharge(intent, paymentMethod);
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
  }

  function withExpansions(intent: StripeObject, params: FormObject): StripeObject {
    if (!expands(params).includes("latest_charge") || typeof intent.latest_charge !== "string") return intent;
    return { ...intent, latest_charge: charges.get(intent.latest_charge) ?? null };
  }

  const routes: Array<{ method: string; pattern: RegExp; handle: (params: FormObject, match: RegExpExecArray) => unknown }> = [
    {
      method: "POST",
      pattern: /^\/v1\/customers$/,
      handle: (params) => {
        const customer: StripeObject = {
          id: id("cus"),
          object: "customer",
          created: now(),
          email: str(params, "email") ?? null,
          name: str(params, "name") ?? null,
          description: str(params, "description") ?? null,
          invoice_settings: { custom_fields: null, default_payment_method: null, footer: null },
          livemode: false,
          metadata: obj(params, "metadata"),
        };
        customers.set(customer.id, customer);
        return customer;
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/([^/]+)$/,
      handle: (_params, match) => find(customers, "customer", match[1]!),
    },
    {
      method: "POST",
      pattern: /^\/v1\/checkout\/sessions$/,
      handle: (params) => {
        const mode = required(params, "mode");
        const lineItems = params.line_items;
        if (mode !== "payment" || !Array.isArray(lineItems) || lineItems.length === 0) {
          throw new StripeApiError(400, { type: "invalid_request_error", param: "line_items", message: "In `payment` mode, you must provide `line_items`." });
        }
        let amount = 0;
        let currency = "";
        lineItems.forEach((item, index) => {
          const line = typeof item === "object" && !Array.isArray(item) ? item : {};
          const price = obj(line, "price_data");
          currency = required(price, "currency");
          if (!str(obj(price, "product_data"), "name")) {
            throw new StripeApiError(400, {
              type: "invalid_request_error",
              code: "parameter_missing",
              param: `line_items[${index}][price_data][product_data][name]`,
              message: "Missing required param: line_items[0][price_data][product_data][name].",
            });
          }
          amount +=
            positiveInteger(str(price, "unit_amount"), `line_items[${index}][price_data][unit_amount]`) *
            positiveInteger(str(line, "quantity") ?? "1", `line_items[${index}][quantity]`);
        });
        const customer = str(params, "customer") ?? null;
        if (customer && !customers.has(customer)) throw notFound("customer", customer);
        const sessionId = id("cs_test");
        const session: StripeObject = {
          id: sessionId,
          object: "checkout.session",
          after_expiration: null,
          allow_promotion_codes: null,
          amount_subtotal: amount,
          amount_total: amount,
          automatic_tax: { enabled: false, liability: null, status: null },
          billing_address_collection: null,
          cancel_url: str(params, "cancel_url") ?? null,
          client_reference_id: str(params, "client_reference_id") ?? null,
          client_secret: null,
          created: now(),
          currency,
          customer,
          customer_creation: customer ? null : "if_required",
          customer_details: null,
          customer_email: str(params, "customer_email") ?? null,
          expires_at: now() + 24 * 3600,
          invoice: null,
          livemode: false,
          locale: null,
          metadata: obj(params, "metadata"),
          mode,
          payment_intent: null,
          payment_method_types: ["card"],
          payment_status: "unpaid",
          setup_intent: null,
          status: "open",
          submit_type: null,
          subscription: null,
          success_url: str(params, "success_url") ?? null,
          total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
          ui_mode: "hosted",
          url: `https://checkout.stripe.com/c/pay/${sessionId}#fid${randomBytes(16).toString("hex")}`,
        };
        sessions.set(session.id, session);
        pendingIntentData.set(session.id, obj(params, "payment_intent_data"));
        return session;
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/,
      handle: (_params, match) => find(sessions, "checkout.session", match[1]!),
    },
    {
      method: "POST",
      pattern: /^\/v1\/payment_intents$/,
      handle: (params) => {
        const amount = positiveInteger(required(params, "amount"), "amount");
        const currency = required(params, "currency");
        const customer = str(params, "customer") ?? null;
        if (customer && !customers.has(customer)) throw notFound("customer", customer);
        const intent = newPaymentIntent({
          amount,
          currency,
          customer,
          description: str(params, "description") ?? null,
          metadata: obj(params, "metadata"),
          setupFutureUsage: str(params, "setup_future_usage") ?? null,
        });
        const paymentMethod = str(params, "payment_method");
        if (str(params, "confirm") === "true") {
          if (!paymentMethod) {
            throw new StripeApiError(400, {
              type: "invalid_request_error",
              code: "parameter_missing",
              param: "payment_method",
              message: "You cannot confirm this PaymentIntent because it's missing a payment method.",
            });
          }
          confirmPaymentIntent(intent, paymentMethod);
        } else if (paymentMethod) {
          intent.payment_method = paymentMethod;
          intent.status = "requires_confirmation";
        }
        return intent;
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/payment_intents$/,
      handle: (params) => {
        // Newest first, filtered by customer and `created` range, paged by `starting_after`, as Stripe lists.
        const customer = str(params, "customer");
        const created = obj(params, "created");
        const bound = (key: string) => (str(created, key) === undefined ? undefined : Number(str(created, key)));
        const [gt, gte, lt, lte] = [bound("gt"), bound("gte"), bound("lt"), bound("lte")];
        const matching = [...paymentIntents.values()]
          .filter(
            (pi) =>
              (!customer || pi.customer === customer) &&
              (gt === undefined || (pi.created as number) > gt) &&
              (gte === undefined || (pi.created as number) >= gte) &&
              (lt === undefined || (pi.created as number) < lt) &&
              (lte === undefined || (pi.created as number) <= lte),
          )
          .reverse();
        const after = str(params, "starting_after");
        const start = after ? matching.findIndex((pi) => pi.id === after) + 1 : 0;
        const limit = Math.min(100, Number(str(params, "limit") ?? 10));
        const data = matching.slice(start, start + limit);
        return { object: "list", data, has_more: start + limit < matching.length, url: "/v1/payment_intents" };
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/disputes\/([^/]+)$/,
      handle: (_params, match) => find(disputes, "dispute", match[1]!),
    },
    {
      method: "GET",
      pattern: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: (params, match) => withExpansions(find(paymentIntents, "payment_intent", match[1]!), params),
    },
    {
      method: "GET",
      pattern: /^\/v1\/charges\/([^/]+)$/,
      handle: (_params, match) => find(charges, "charge", match[1]!),
    },
    {
      method: "POST",
      pattern: /^\/v1\/refunds$/,
      handle: (params) => {
        const intentId = str(params, "payment_intent");
        const chargeId = str(params, "charge") ?? (intentId ? (paymentIntents.get(intentId)?.latest_charge as string | undefined) : undefined);
        const charge = chargeId ? charges.get(chargeId) : undefined;
        if (!charge) throw notFound("charge", chargeId ?? String(intentId));
        const refundable = (charge.amount as number) - (charge.amount_refunded as number);
        const amount = str(params, "amount") ? positiveInteger(str(params, "amount"), "amount") : refundable;
        if (amount > refundable) {
          throw new StripeApiError(400, {
            type: "invalid_request_error",
            code: "amount_too_large",
            param: "amount",
            message: `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(refundable / 100).toFixed(2)})`,
          });
        }
        const refund: StripeObject = {
          id: id("re"),
          object: "refund",
          amount,
          balance_transaction: id("txn"),
          charge: charge.id,
          created: now(),
          currency: charge.currency,
          metadata: obj(params, "metadata"),
          payment_intent: charge.payment_intent,
          reason: str(params, "reason") ?? null,
          receipt_number: null,
          status: "succeeded",
        };
        refunds.set(refund.id, refund);
        charge.amount_refunded = (charge.amount_refunded as number) + amount;
        charge.refunded = charge.amount_refunded === charge.amount;
        return refund;
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/refunds$/,
      handle: (params) => {
        const chargeId = str(params, "charge");
        const intentId = str(params, "payment_intent");
        const data = [...refunds.values()]
          .filter((r) => (!chargeId || r.charge === chargeId) && (!intentId || r.payment_intent === intentId))
          .sort((a, b) => (b.created as number) - (a.created as number));
        return { object: "list", data, has_more: false, url: "/v1/refunds" };
      },
    },
  ];

  /** The customer's side of Checkout: pays the session's amount with a card, as Stripe would. */
  function completeCheckoutSession(sessionId: string, paymentMethod: string): StripeObject {
    const session = find(sessions, "checkout.session", sessionId);
    if (session.status !== "open")
      throw new StripeApiError(400, { type: "invalid_request_error", message: `This Checkout Session is ${String(session.status)}.` });
    const intentData = pendingIntentData.get(sessionId) ?? {};
    const intent = newPaymentIntent({
      amount: session.amount_total as number,
      currency: session.currency as string,
      customer: session.customer as string | null,
      description: str(intentData, "description") ?? null,
      metadata: obj(intentData, "metadata"),
      setupFutureUsage: str(intentData, "setup_future_usage") ?? null,
    });
    confirmPaymentIntent(intent, paymentMethod);
    Object.assign(session, { status: "complete", payment_status: "paid", payment_intent: intent.id, url: null });
    return session;
  }

  /** The cardholder's bank disputes a charge (https://docs.stripe.com/api/disputes/object). */
  function openDispute(chargeId: string, fields: { amount?: number; status?: string }): StripeObject {
    const charge = find(charges, "charge", chargeId);
    const evidenceFields = [
      "access_activity_log",
      "billing_address",
      "cancellation_policy",
      "customer_communication",
      "customer_email_address",
      "customer_name",
      "product_description",
      "receipt",
      "refund_policy",
      "service_date",
      "uncategorized_text",
    ];
    const dispute: StripeObject = {
      id: id("du"),
      object: "dispute",
      amount: fields.amount ?? charge.amount,
      balance_transactions: [],
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      evidence: Object.fromEntries(evidenceFields.map((field) => [field, null])),
      evidence_details: { due_by: now() + 14 * 24 * 3600, has_evidence: false, past_due: false, submission_count: 0 },
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: charge.payment_intent ?? null,
      reason: "fraudulent",
      status: fields.status ?? "needs_response",
    };
    disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return dispute;
  }

  async function readBody(request: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    response.writeHead(status, { "content-type": "application/json", "request-id": id("req"), ...headers });
    response.end(JSON.stringify(body));
  }

  async function handleApi(request: http.IncomingMessage, response: http.ServerResponse, url: URL) {
    const method = request.method ?? "GET";
    const body = await readBody(request);
    const params = parseStripeForm(method === "GET" ? url.searchParams : new URLSearchParams(body));
    const idempotencyKey = (request.headers["idempotency-key"] as string | undefined) ?? null;
    requests.push({ method, path: url.pathname, params, idempotencyKey, at: new Date().toISOString() });

    if (request.headers.authorization !== `Bearer ${options.secretKey}`) {
      send(response, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided." } });
      return;
    }
    const fingerprint = `${method} ${url.pathname} ${JSON.stringify(params)}`;
    if (method === "POST" && idempotencyKey) {
      const stored = idempotent.get(idempotencyKey);
      if (stored && stored.fingerprint !== fingerprint) {
        send(response, 400, {
          error: { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters they were first used with." },
        });
        return;
      }
      if (stored) {
        send(response, stored.status, stored.body, { "idempotent-replayed": "true" });
        return;
      }
    }
    const stalledCustomer = method === "POST" && url.pathname === "/v1/payment_intents" ? str(params, "customer") : undefined;
    const stall = stalledCustomer ? paymentIntentStalls.get(stalledCustomer) : undefined;
    if (stalledCustomer) paymentIntentStalls.delete(stalledCustomer);
    // Lost on its way: nothing is created and no answer comes; the client's connection stays open.
    if (stall === "before") return;
    const route = routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    let status = 200;
    let result: unknown;
    try {
      if (!route) throw new StripeApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${url.pathname}).` });
      result = await route.handle(params, route.pattern.exec(url.pathname)!);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      result = { error: error.body };
    }
    if (method === "POST" && idempotencyKey && status < 500) idempotent.set(idempotencyKey, { fingerprint, status, body: result });
    // Done at Stripe, but the answer never arrives.
    if (stall === "after") return;
    send(response, status, result);
  }

  async function handleControl(request: http.IncomingMessage, response: http.ServerResponse, url: URL) {
    if (request.method === "GET" && url.pathname === "/__fake/requests") {
      send(response, 200, requests);
      return;
    }
    const complete = /^\/__fake\/checkout\/sessions\/([^/]+)\/complete$/.exec(url.pathname);
    if (request.method === "POST" && complete) {
      const body = JSON.parse((await readBody(request)) || "{}") as { paymentMethod?: string };
      try {
        send(response, 200, completeCheckoutSession(complete[1]!, body.paymentMethod ?? id("pm")));
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        send(response, error.status, { error: error.body });
      }
      return;
    }
    const decline = /^\/__fake\/payment_methods\/([^/]+)\/decline$/.exec(url.pathname);
    if (request.method === "POST" && decline) {
      decliningPaymentMethods.add(decline[1]!);
      send(response, 200, { id: decline[1], declining: true });
      return;
    }
    const stall = /^\/__fake\/customers\/([^/]+)\/stall_next_payment_intent$/.exec(url.pathname);
    if (request.method === "POST" && stall) {
      const { when } = JSON.parse((await readBody(request)) || "{}") as { when?: "before" | "after" };
      if (when !== "before" && when !== "after") {
        send(response, 400, { error: { message: `Stall "before" or "after" the payment intent is created, not ${String(when)}.` } });
        return;
      }
      paymentIntentStalls.set(stall[1]!, when);
      send(response, 200, { customer: stall[1], when });
      return;
    }
    const dispute = /^\/__fake\/charges\/([^/]+)\/dispute$/.exec(url.pathname);
    const closeDispute = /^\/__fake\/disputes\/([^/]+)\/close$/.exec(url.pathname);
    if (request.method === "POST" && (dispute || closeDispute)) {
      const body = JSON.parse((await readBody(request)) || "{}") as { amount?: number; status?: string };
      try {
        if (dispute) {
          send(response, 200, openDispute(dispute[1]!, body));
        } else {
          const closed = find(disputes, "dispute", closeDispute![1]!);
          closed.status = body.status ?? "lost";
          send(response, 200, closed);
        }
      } catch (error) {
        if (!(error instanceof StripeApiError)) throw error;
        send(response, error.status, { error: error.body });
      }
      return;
    }
    send(response, 404, { error: { message: `No fake control route ${request.method} ${url.pathname}` } });
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const handler = url.pathname.startsWith("/__fake/") ? handleControl : handleApi;
    handler(request, response, url).catch((error: unknown) => {
      send(response, 500, { error: { type: "api_error", message: error instanceof Error ? error.message : String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; don't wait for them to idle out.
        server.closeAllConnections();
      }),
  };
}

/** The test side of the fake: what the app sent to "Stripe", and the customer's actions there. */
export function stripeFake(url = process.env.STRIPE_FAKE_URL) {
  if (!url) throw new Error("STRIPE_FAKE_URL is not set: the test stack starts the Stripe fake");
  return {
    async requests(filter: { method?: string; path?: string } = {}): Promise<RecordedStripeRequest[]> {
      const all = (await (await fetch(`${url}/__fake/requests`)).json()) as RecordedStripeRequest[];
      return all.filter((r) => (!filter.method || r.method === filter.method) && (!filter.path || r.path === filter.path));
    },
    /** Pays an open Checkout Session (card `paymentMethod`, default a new working card); returns the session. */
    async completeCheckoutSession(sessionId: string, paymentMethod?: string): Promise<Stripe.Checkout.Session> {
      const response = await fetch(`${url}/__fake/checkout/sessions/${sessionId}/complete`, { method: "POST", body: JSON.stringify({ paymentMethod }) });
      if (!response.ok) throw new Error(`Completing ${sessionId} failed: ${await response.text()}`);
      return (await response.json()) as Stripe.Checkout.Session;
    },
    /**
     * Makes the customer's next payment intent creation stall: "before" Stripe acts on it (nothing
     * is created) or "after" (created and confirmed, but the answer never comes).
     */
    async stallNextPaymentIntent(customer: string, when: "before" | "after"): Promise<void> {
      const response = await fetch(`${url}/__fake/customers/${customer}/stall_next_payment_intent`, { method: "POST", body: JSON.stringify({ when }) });
      if (!response.ok) throw new Error(`Could not stall the next payment intent: ${await response.text()}`);
    },
    /** The cardholder's bank disputes a charge (by default its whole amount, status needs_response); returns the dispute. */
    async openDispute(chargeId: string, fields: { amount?: number; status?: string } = {}): Promise<Stripe.Dispute> {
      const response = await fetch(`${url}/__fake/charges/${chargeId}/dispute`, { method: "POST", body: JSON.stringify(fields) });
      if (!response.ok) throw new Error(`Disputing ${chargeId} failed: ${await response.text()}`);
      return (await response.json()) as Stripe.Dispute;
    },
    /** The bank decides a dispute ("won", "lost", or "warning_closed" for an inquiry); returns the dispute. */
    async closeDispute(disputeId: string, status: string): Promise<Stripe.Dispute> {
      const response = await fetch(`${url}/__fake/disputes/${disputeId}/close`, { method: "POST", body: JSON.stringify({ status }) });
      if (!response.ok) throw new Error(`Closing ${disputeId} failed: ${await response.text()}`);
      return (await response.json()) as Stripe.Dispute;
    },
    /** Makes a saved card decline from now on, like a card that ran out of funds after it was saved. */
    async startDeclining(paymentMethod: string): Promise<void> {
      const response = await fetch(`${url}/__fake/payment_methods/${paymentMethod}/decline`, { method: "POST" });
      if (!response.ok) throw new Error(`Could not make ${paymentMethod} decline: ${await response.text()}`);
    },
  };
}

/** A Stripe SDK client for tests, talking to the fake with the stack's key. */
export function testStripeClient(): Stripe {
  const base = new URL(process.env.STRIPE_API_BASE ?? "http://missing-stripe-api-base");
  return new Stripe(process.env.STRIPE_SECRET_KEY ?? "", { host: base.hostname, port: base.port, protocol: base.protocol === "https:" ? "https" : "http" });
}

/** An event as Stripe delivers it to a webhook endpoint. */
export function stripeEvent(type: string, object: object, eventId = id("evt")): { id: string; payload: string } {
  const event = {
    id: eventId,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
  return { id: eventId, payload: JSON.stringify(event) };
}

/** POSTs a payload to the app's webhook route with a `Stripe-Signature` header (valid unless told otherwise). */
export async function deliverStripeWebhook(payload: string, options: { timestamp?: number; signedPayload?: string; appUrl?: string } = {}): Promise<Response> {
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
  const signature = testStripeClient().webhooks.generateTestHeaderString({ payload: options.signedPayload ?? payload, secret, timestamp: options.timestamp });
  return fetch(`${options.appUrl ?? process.env.APP_URL}/api/stripe/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": signature },
    body: payload,
  });
}
