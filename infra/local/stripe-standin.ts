import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A small Stripe for tests: the real Stripe SDK talks to it over HTTP (its `host`, `port` and
 * `protocol` options), and it signs the events it posts back with the SDK's own test-header
 * generator, so the API verifies them with the same `constructEvent` it uses against Stripe.
 * It implements only what Frameseek calls — customers, Checkout Sessions in payment mode,
 * off-session PaymentIntents, PaymentMethods — with Stripe's wire format: form-encoded requests,
 * JSON answers, Stripe's error shape and statuses, idempotency keys. State lives in memory.
 *
 * Cards are Stripe's test tokens. Completing a Checkout models the buyer paying on-session (3-D
 * Secure passed), so any token completes one; off-session charges then behave as the card does:
 */
const TEST_CARDS = {
  pm_card_visa: { brand: 'visa', last4: '4242', offSession: 'succeeds' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', offSession: 'succeeds' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', offSession: 'card_declined' },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', offSession: 'authentication_required' },
} as const;

export type TestCardToken = keyof typeof TEST_CARDS;
type OffSessionBehaviour = (typeof TEST_CARDS)[TestCardToken]['offSession'];

function isTestCardToken(value: string): value is TestCardToken {
  return Object.hasOwn(TEST_CARDS, value);
}

type Metadata = Record<string, string>;

interface CustomerObject {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  metadata: Metadata;
  livemode: false;
}

interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  card: { brand: string; last4: string; exp_month: number; exp_year: number; funding: 'credit' };
  metadata: Metadata;
  livemode: false;
}

interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  created: number;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  description: string | null;
  payment_method: string | null;
  status: 'succeeded' | 'requires_payment_method';
  setup_future_usage: 'off_session' | 'on_session' | null;
  metadata: Metadata;
  livemode: false;
}

interface CheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  created: number;
  mode: 'payment';
  status: 'open' | 'complete';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  customer: string | null;
  client_reference_id: string | null;
  metadata: Metadata;
  payment_intent: string | null;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  livemode: false;
  /** Kept for completion: what the session's PaymentIntent will carry. */
  payment_intent_data: { metadata: Metadata; setup_future_usage: 'off_session' | 'on_session' | null };
}

/** The charge of a succeeded PaymentIntent, as `charge.refunded` reports it (refunds as a running total). */
interface ChargeObject {
  id: string;
  object: 'charge';
  created: number;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  customer: string | null;
  payment_intent: string;
  metadata: Metadata;
  livemode: false;
}

interface DisputeObject {
  id: string;
  object: 'dispute';
  created: number;
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: 'fraudulent';
  status: 'needs_response';
  livemode: false;
}

type StripeObject = CustomerObject | PaymentMethodObject | PaymentIntentObject | CheckoutSessionObject | ChargeObject | DisputeObject;

export interface StandInEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  data: { object: StripeObject };
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
}

export interface WebhookDelivery {
  event: StandInEvent;
  /** What the webhook endpoint answered. */
  status: number;
  body: string;
}

export interface StripeStandInOptions {
  secretKey: string;
  webhookSecret: string;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
}

/**
 * When the stand-in reports a succeeded off-session PaymentIntent with `payment_intent.succeeded`:
 * `never` (default), or `before_responding` — the event reaches the API before the charge's own
 * answer does, the order that races an API crediting in its answer.
 */
export type PaymentIntentEvents = 'never' | 'before_responding';

export interface RunningStripeStandIn {
  /** Base URL for FRAMESEEK_STRIPE_API_URL. */
  url: string;
  /** Where signed events are posted (the API's /v1/billing/stripe-webhook), fixed once the API runs. */
  sendEventsTo(webhookUrl: string | (() => string)): void;
  reportPaymentIntents(mode: PaymentIntentEvents): void;
  /** The Checkout Session a Checkout URL shows. */
  checkoutSessionAt(checkoutUrl: string): CheckoutSessionObject;
  /** The buyer pays on the Checkout page with a test card: the session completes and its event is posted. */
  completeCheckout(sessionId: string, card: TestCardToken): Promise<WebhookDelivery>;
  /** Posts an event again, as Stripe does when it retries. */
  redeliver(event: StandInEvent): Promise<WebhookDelivery>;
  /** Posts a newly signed event of `type` about `object`. */
  sendEvent(type: string, object: StripeObject): Promise<WebhookDelivery>;
  /** Refunds `amountCents` more of a succeeded PaymentIntent's charge (as from Stripe's dashboard) and posts `charge.refunded`. */
  refund(paymentIntentId: string, amountCents: number): Promise<WebhookDelivery>;
  /** The cardholder disputes a PaymentIntent's charge: posts `charge.dispute.created` for `amountCents`. */
  dispute(paymentIntentId: string, amountCents: number): Promise<WebhookDelivery>;
  /** Every PaymentIntent, oldest first. */
  paymentIntents(): PaymentIntentObject[];
  customers(): CustomerObject[];
  stop(): Promise<void>;
}

/** Form fields as the SDK encodes them: `a[b][0]=v` nests. */
interface Form {
  [key: string]: string | Form;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; decline_code?: string; message: string; param?: string; payment_intent?: PaymentIntentObject },
  ) {
    super(body.message);
  }
}

const ALLOWED_PARAMS: Record<string, readonly string[]> = {
  'POST /v1/customers': ['email', 'name', 'metadata', 'description', 'expand'],
  'POST /v1/checkout/sessions': [
    'mode',
    'customer',
    'client_reference_id',
    'allowed_payment_method_types',
    'line_items',
    'payment_intent_data',
    'metadata',
    'success_url',
    'cancel_url',
    'expand',
  ],
  'POST /v1/payment_intents': ['amount', 'currency', 'customer', 'payment_method', 'confirm', 'off_session', 'description', 'metadata', 'expand'],
};

function found<T>(value: T | undefined, kind: string, id: string): T {
  if (value === undefined) throw missing(kind, id);
  return value;
}

function newObjectId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

export function parseForm(body: string): Form {
  const form: Form = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const [head = key, ...rest] = key.split('[').map((part, index) => (index === 0 ? part : part.replace(/\]$/, '')));
    let node = form;
    const path = [head, ...rest];
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next === 'object') node = next;
      else node = node[segment] = {};
    });
  }
  return form;
}

function text(form: Form | undefined, name: string): string | undefined {
  const value = form?.[name];
  return typeof value === 'string' ? value : undefined;
}

function nested(form: Form | undefined, name: string): Form | undefined {
  const value = form?.[name];
  return typeof value === 'object' ? value : undefined;
}

function metadataOf(form: Form | undefined): Metadata {
  return Object.fromEntries(Object.entries(nested(form, 'metadata') ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function required(form: Form, name: string): string {
  const value = text(form, name);
  if (value === undefined || value === '') {
    throw new StripeApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', param: name, message: `Missing required param: ${name}.` });
  }
  return value;
}

function amountParam(value: string | undefined, param: string): number {
  const amount = Number(value);
  if (!Number.isSafeInteger(amount) || amount < 50) {
    throw new StripeApiError(400, { type: 'invalid_request_error', code: 'amount_too_small', param, message: 'Amount must be at least $0.50 usd' });
  }
  return amount;
}

function missing(kind: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` });
}

export async function startStripeStandIn(options: StripeStandInOptions): Promise<RunningStripeStandIn> {
  const customers = new Map<string, CustomerObject>();
  const deletedCustomers = new Set<string>();
  const paymentMethods = new Map<string, { method: PaymentMethodObject; offSession: OffSessionBehaviour }>();
  const paymentIntents = new Map<string, PaymentIntentObject>();
  const sessions = new Map<string, CheckoutSessionObject>();
  const idempotentAnswers = new Map<string, { fingerprint: string; status: number; body: string }>();
  let webhookUrl: () => string = () => {
    throw new Error('The Stripe stand-in has nowhere to send events: call sendEventsTo first');
  };
  let paymentIntentEvents: PaymentIntentEvents = 'never';
  let baseUrl = '';

  function customerOf(id: string | undefined, param: string): string | null {
    if (id === undefined) return null;
    if (!customers.has(id) || deletedCustomers.has(id)) throw missing('customer', id, param);
    return id;
  }

  /** A test token makes a fresh PaymentMethod each time, as Stripe's do; a pm_ id must exist. */
  function paymentMethodFor(idOrToken: string): { method: PaymentMethodObject; offSession: OffSessionBehaviour } {
    const stored = paymentMethods.get(idOrToken);
    if (stored) return stored;
    if (!isTestCardToken(idOrToken)) throw missing('PaymentMethod', idOrToken, 'payment_method');
    const card = TEST_CARDS[idOrToken];
    const method: PaymentMethodObject = {
      id: newObjectId('pm'),
      object: 'payment_method',
      type: 'card',
      created: unixNow(),
      customer: null,
      card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: 'credit' },
      metadata: {},
      livemode: false,
    };
    const entry = { method, offSession: card.offSession };
    paymentMethods.set(method.id, entry);
    return entry;
  }

  function createCustomer(form: Form): CustomerObject {
    const customer: CustomerObject = {
      id: newObjectId('cus'),
      object: 'customer',
      created: unixNow(),
      email: text(form, 'email') ?? null,
      metadata: metadataOf(form),
      livemode: false,
    };
    customers.set(customer.id, customer);
    return customer;
  }

  function createCheckoutSession(form: Form): CheckoutSessionObject {
    if (required(form, 'mode') !== 'payment') {
      throw new StripeApiError(400, { type: 'invalid_request_error', param: 'mode', message: 'This stand-in supports payment mode only' });
    }
    const item = nested(nested(form, 'line_items'), '0');
    const price = nested(item, 'price_data');
    if (!item || !price)
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: 'line_items',
        message: 'Missing required param: line_items.',
      });
    const quantity = Number(text(item, 'quantity') ?? '1');
    const unitAmount = amountParam(text(price, 'unit_amount'), 'line_items[0][price_data][unit_amount]');
    const intentData = nested(form, 'payment_intent_data');
    const futureUsage = text(intentData, 'setup_future_usage');
    const id = newObjectId('cs_test');
    const session: CheckoutSessionObject = {
      id,
      object: 'checkout.session',
      created: unixNow(),
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: unitAmount * quantity,
      currency: required(price, 'currency'),
      customer: customerOf(text(form, 'customer'), 'customer'),
      client_reference_id: text(form, 'client_reference_id') ?? null,
      metadata: metadataOf(form),
      payment_intent: null,
      success_url: required(form, 'success_url'),
      cancel_url: text(form, 'cancel_url') ?? null,
      url: `${baseUrl}/c/pay/${id}`,
      livemode: false,
      payment_intent_data: {
        metadata: metadataOf(intentData),
        setup_future_usage: futureUsage === 'off_session' || futureUsage === 'on_session' ? futureUsage : null,
      },
    };
    sessions.set(session.id, session);
    return session;
  }

  async function createPaymentIntent(form: Form): Promise<PaymentIntentObject> {
    const customer = customerOf(text(form, 'customer'), 'customer');
    const methodId = text(form, 'payment_method');
    const confirm = text(form, 'confirm') === 'true';
    const offSession = text(form, 'off_session') === 'true';
    if (!confirm || !offSession || methodId === undefined) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        message: 'This stand-in supports confirmed off-session PaymentIntents with a payment_method only',
      });
    }
    const { method, offSession: behaviour } = paymentMethodFor(methodId);
    if (method.customer !== customer) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        param: 'payment_method',
        message: `The provided PaymentMethod ${method.id} does not belong to the Customer ${customer ?? '(none)'}`,
      });
    }
    const amount = amountParam(text(form, 'amount'), 'amount');
    const intent: PaymentIntentObject = {
      id: newObjectId('pi'),
      object: 'payment_intent',
      created: unixNow(),
      amount,
      amount_received: behaviour === 'succeeds' ? amount : 0,
      currency: required(form, 'currency'),
      customer,
      description: text(form, 'description') ?? null,
      payment_method: behaviour === 'succeeds' ? method.id : null,
      status: behaviour === 'succeeds' ? 'succeeded' : 'requires_payment_method',
      setup_future_usage: null,
      metadata: metadataOf(form),
      livemode: false,
    };
    paymentIntents.set(intent.id, intent);
    if (behaviour === 'card_declined') {
      throw new StripeApiError(402, {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        payment_intent: intent,
      });
    }
    if (behaviour === 'authentication_required') {
      throw new StripeApiError(402, {
        type: 'card_error',
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
        payment_intent: intent,
      });
    }
    if (paymentIntentEvents === 'before_responding') await sendEvent('payment_intent.succeeded', intent);
    return intent;
  }

  function deleteCustomer(id: string): { id: string; object: 'customer'; deleted: true } {
    customerOf(id, 'id');
    deletedCustomers.add(id);
    return { id, object: 'customer', deleted: true };
  }

  async function answer(method: string, path: string, form: Form): Promise<object> {
    const [, resource, id] = path.match(/^\/v1\/(customers|checkout\/sessions|payment_intents|payment_methods)(?:\/([^/]+))?$/) ?? [];
    const allowed = ALLOWED_PARAMS[`${method} /v1/${resource ?? ''}`];
    if (allowed && id === undefined) {
      const unknown = Object.keys(form).find((name) => !allowed.includes(name));
      if (unknown) throw new StripeApiError(400, { type: 'invalid_request_error', param: unknown, message: `Received unknown parameter: ${unknown}` });
    }
    if (resource === 'customers' && id === undefined && method === 'POST') return createCustomer(form);
    if (resource === 'customers' && id !== undefined && method === 'GET') {
      const customer = customers.get(id);
      if (!customer) throw missing('customer', id);
      return deletedCustomers.has(id) ? { id, object: 'customer', deleted: true } : customer;
    }
    if (resource === 'customers' && id !== undefined && method === 'DELETE') return deleteCustomer(id);
    if (resource === 'checkout/sessions' && id === undefined && method === 'POST') return createCheckoutSession(form);
    if (resource === 'checkout/sessions' && id !== undefined && method === 'GET') return found(sessions.get(id), 'checkout.session', id);
    if (resource === 'payment_intents' && id === undefined && method === 'POST') return createPaymentIntent(form);
    if (resource === 'payment_intents' && id !== undefined && method === 'GET') return found(paymentIntents.get(id), 'payment_intent', id);
    if (resource === 'payment_methods' && id !== undefined && method === 'GET') return found(paymentMethods.get(id), 'PaymentMethod', id).method;
    throw new StripeApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = (request.method ?? 'GET').toUpperCase();
    const reply = (status: number, json: string) => {
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': newObjectId('req') });
      response.end(json);
    };

    if (request.headers.authorization !== `Bearer ${options.secretKey}`) {
      reply(401, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }));
      return;
    }
    const idempotencyKey = method === 'POST' ? request.headers['idempotency-key'] : undefined;
    const fingerprint = createHash('sha256').update(`${method} ${url.pathname} ${body}`).digest('hex');
    if (typeof idempotencyKey === 'string') {
      const earlier = idempotentAnswers.get(idempotencyKey);
      if (earlier && earlier.fingerprint !== fingerprint) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with.`;
        reply(400, JSON.stringify({ error: { type: 'idempotency_error', message } }));
        return;
      }
      if (earlier) {
        reply(earlier.status, earlier.body);
        return;
      }
    }

    let status = 200;
    let json: string;
    try {
      json = JSON.stringify(await answer(method, url.pathname, method === 'GET' ? {} : parseForm(body)));
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      json = JSON.stringify({ error: error.body });
    }
    if (typeof idempotencyKey === 'string') idempotentAnswers.set(idempotencyKey, { fingerprint, status, body: json });
    reply(status, json);
  }

  async function deliver(event: StandInEvent): Promise<WebhookDelivery> {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.webhookSecret });
    const response = await fetch(webhookUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
      body: payload,
    });
    return { event, status: response.status, body: await response.text() };
  }

  function sendEvent(type: string, object: StripeObject): Promise<WebhookDelivery> {
    const event: StandInEvent = {
      id: newObjectId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: unixNow(),
      type,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    };
    return deliver(event);
  }

  async function completeCheckout(sessionId: string, card: TestCardToken): Promise<WebhookDelivery> {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`No Checkout Session ${sessionId} in the Stripe stand-in`);
    if (session.status !== 'open') throw new Error(`Checkout Session ${sessionId} is ${session.status}, not open`);
    const { method } = paymentMethodFor(card);
    // setup_future_usage: Stripe attaches the card to the customer for later off-session charges.
    if (session.payment_intent_data.setup_future_usage && session.customer) method.customer = session.customer;
    const intent: PaymentIntentObject = {
      id: newObjectId('pi'),
      object: 'payment_intent',
      created: unixNow(),
      amount: session.amount_total,
      amount_received: session.amount_total,
      currency: session.currency,
      customer: session.customer,
      description: null,
      payment_method: method.id,
      status: 'succeeded',
      setup_future_usage: session.payment_intent_data.setup_future_usage,
      metadata: session.payment_intent_data.metadata,
      livemode: false,
    };
    paymentIntents.set(intent.id, intent);
    Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: intent.id, url: null });
    return sendEvent('checkout.session.completed', session);
  }

  const charges = new Map<string, ChargeObject>();
  function chargeOf(paymentIntentId: string): ChargeObject {
    const intent = paymentIntents.get(paymentIntentId);
    if (!intent || intent.status !== 'succeeded') throw new Error(`No succeeded PaymentIntent ${paymentIntentId} in the Stripe stand-in`);
    let charge = charges.get(paymentIntentId);
    if (!charge) {
      charge = {
        id: newObjectId('ch'),
        object: 'charge',
        created: intent.created,
        amount: intent.amount_received,
        amount_refunded: 0,
        refunded: false,
        currency: intent.currency,
        customer: intent.customer,
        payment_intent: intent.id,
        metadata: intent.metadata,
        livemode: false,
      };
      charges.set(paymentIntentId, charge);
    }
    return charge;
  }

  function refund(paymentIntentId: string, amountCents: number): Promise<WebhookDelivery> {
    const charge = chargeOf(paymentIntentId);
    if (charge.amount_refunded + amountCents > charge.amount) throw new Error(`Refund of ${amountCents} cents is more than is left of ${charge.id}`);
    charge.amount_refunded += amountCents;
    charge.refunded = charge.amount_refunded === charge.amount;
    return sendEvent('charge.refunded', charge);
  }

  function dispute(paymentIntentId: string, amountCents: number): Promise<WebhookDelivery> {
    const charge = chargeOf(paymentIntentId);
    const opened: DisputeObject = {
      id: newObjectId('dp'),
      object: 'dispute',
      created: unixNow(),
      amount: amountCents,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: paymentIntentId,
      reason: 'fraudulent',
      status: 'needs_response',
      livemode: false,
    };
    return sendEvent('charge.dispute.created', opened);
  }

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'api_error', message: `Stripe stand-in failure: ${String(error)}` } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: baseUrl,
    sendEventsTo: (target) => {
      webhookUrl = typeof target === 'string' ? () => target : target;
    },
    reportPaymentIntents: (mode) => {
      paymentIntentEvents = mode;
    },
    checkoutSessionAt: (checkoutUrl) => {
      const id = new URL(checkoutUrl).pathname.split('/').pop() ?? '';
      const session = sessions.get(id);
      if (!session) throw new Error(`${checkoutUrl} is not a Checkout page of this stand-in`);
      return structuredClone(session);
    },
    completeCheckout,
    redeliver: deliver,
    sendEvent,
    refund,
    dispute,
    paymentIntents: () => [...paymentIntents.values()].map((intent) => structuredClone(intent)),
    customers: () => [...customers.values()].filter((customer) => !deletedCustomers.has(customer.id)).map((customer) => structuredClone(customer)),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
