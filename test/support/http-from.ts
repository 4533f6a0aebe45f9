// HTTP requests to the app from a chosen loopback address (127.0.0.0/8 all reach this machine), so
// that tests can be different clients as the server sees them — by the socket, which is what it
// trusts — and with headers fetch() won't send (Host).
import http, { type IncomingHttpHeaders } from "node:http";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  setCookies: string[];
  body: string;
}

export function requestFrom(
  from: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: options.headers,
        localAddress: from,
        agent: false,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.once("end", () =>
          resolve({ status: response.statusCode!, headers: response.headers, setCookies: response.headers["set-cookie"] ?? [], body }),
        );
      },
    );
    request.once("error", reject);
    request.end(options.body);
  });
}

/** A loopback address of its own for each call: a fresh client as far as per-IP limits go. */
export function freshLoopbackIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `127.${byte()}.${byte()}.${byte()}`;
}

/** "name=value" pairs of Set-Cookie headers, as a Cookie header. */
export function cookieHeader(setCookies: string[]): string {
  return setCookies.map((header) => header.split(";")[0]).join("; ");
}

/**
 * A sign-in through Auth.js's public credentials endpoint, as a script would try it, from `from`
 * (with any extra headers, e.g. a made-up X-Forwarded-For). `code` is the refusal's reason.
 */
export async function attemptSignIn(
  app: string,
  { email, password, from, headers = {} }: { email: string; password: string; from: string; headers?: Record<string, string> },
): Promise<{ signedIn: boolean; code: string | null; cookie: string }> {
  const csrf = await requestFrom(from, `${app}/api/auth/csrf`);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const response = await requestFrom(from, `${app}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(csrf.setCookies), ...headers },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${app}/dashboard` }).toString(),
  });
  const session = response.setCookies.find((header) => /^(__Secure-)?authjs\.session-token=[^;]+/.test(header));
  const location = typeof response.headers.location === "string" ? response.headers.location : "/";
  return { signedIn: Boolean(session), code: new URL(location, app).searchParams.get("code"), cookie: session?.split(";")[0] ?? "" };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The hidden fields of the page's first form that has a field named `field` (a server action's id and state). */
export function hiddenFormFields(html: string, field: string): Record<string, string> {
  const form = [...html.matchAll(/<form[^>]*>([\s\S]*?)<\/form>/g)].find((match) => match[1]!.includes(`name="${field}"`));
  if (!form) throw new Error(`No form with a field named "${field}" on the page`);
  const fields: Record<string, string> = {};
  for (const [input] of form[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    if (name) fields[decodeEntities(name)] = decodeEntities(/value="([^"]*)"/.exec(input)?.[1] ?? "");
  }
  return fields;
}

/**
 * Submits a page's form the way a browser without JavaScript does (the server action runs and the
 * page comes back rendered with its result), from `from`, with any extra headers.
 */
export async function submitForm(
  from: string,
  pageUrl: string,
  values: Record<string, string>,
  options: { formField?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const page = await requestFrom(from, pageUrl, { headers: options.headers?.cookie ? { cookie: options.headers.cookie } : {} });
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...hiddenFormFields(page.body, options.formField ?? Object.keys(values)[0]!), ...values }))
    form.append(name, value);
  const encoded = new Request("http://form.invalid/", { method: "POST", body: form });
  return requestFrom(from, pageUrl, {
    method: "POST",
    headers: { "content-type": encoded.headers.get("content-type")!, ...options.headers },
    body: Buffer.from(await encoded.arrayBuffer()),
  });
}
