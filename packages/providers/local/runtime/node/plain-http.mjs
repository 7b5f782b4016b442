// The plainest HTTP/1.1 exchange, read and written without node:http (front.mjs). A front worker's time per
// request is mostly node:http's own (its request and response objects, their streams and checks): for the request
// most clients send (a keep-alive GET, or a short body with Content-Length, all of it in one read) that work
// buys nothing. Anything else (another HTTP version, chunked or partial bodies, HEAD, Expect, Upgrade, a
// malformed or oversized head) is not read here: the connection goes to node:http, which answers it as it
// answers any request. Written by hand because no library reads a request without a server around it; it
// accepts a strict subset of RFC 9112 and declines the rest rather than guess.
import { STATUS_CODES } from 'node:http';

/** node:http's default limit of a request head (--max-http-header-size): a longer one is node's to refuse (431). */
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Methods read here; HEAD (an answer without a body) and the rarer ones are node:http's. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** A header name (an RFC 9110 token). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Characters a header value may not hold (node:http's own rule: it refuses them, and throws on writing them). */
export const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** An origin-form target of RFC 3986 characters only: no fragment, nothing a client should have escaped. */
const TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
/** A Content-Length as clients write it (node refuses some other spellings, such as a trailing tab). */
const LENGTH = /^ ?\d{1,15}$/;
/** Headers whose first value node:http keeps in `req.headers` (it joins the others' values with ", "). */
const FIRST_WINS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** A request read here, with what front.mjs reads of node's IncomingMessage. */
export class PlainRequest {
  constructor(socket, method, url, rawHeaders) {
    this.socket = socket;
    this.method = method;
    this.url = url;
    this.rawHeaders = rawHeaders;
    this.httpVersion = '1.1';
    this.headerObject = undefined;
  }

  /** As node's `req.headers`: lower-case names; built when first read. */
  get headers() {
    if (this.headerObject !== undefined) return this.headerObject;
    const out = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const existing = out[name];
      if (existing === undefined) out[name] = raw[i + 1];
      else if (name === 'set-cookie') out[name] = [].concat(existing, raw[i + 1]);
      else if (!FIRST_WINS.has(name)) out[name] = `${existing}, ${raw[i + 1]}`;
    }
    this.headerObject = out;
    return out;
  }
}

/** The answer to a PlainRequest, with what front.mjs calls of node's ServerResponse. */
export class PlainResponse {
  constructor(req) {
    this.req = req;
    this.status = 200;
    this.headerList = [];
  }

  get destroyed() {
    return this.req.socket.destroyed;
  }

  writeHead(status, headers) {
    this.status = status;
    this.headerList = headers;
  }

  end(body) {
    writeAnswer(this.req.socket, this.status, this.headerList, body);
  }
}

/** The result of `readPlainRequest` for bytes that are not a whole plain request: node:http's to read. */
export const NOT_PLAIN = null;

/**
 * The request at the start of `buf`: `{ method, url, rawHeaders, bodyStart, end }` (`end`: where the next
 * request starts), or NOT_PLAIN when `buf` does not start with a whole request of the kind read here.
 * `bodyLimit`: a longer body is node:http's (the front answers it 413 there).
 */
export function readPlainRequest(buf, bodyLimit) {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd === -1 || headEnd > MAX_HEAD) return NOT_PLAIN;
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const requestLine = lines[0];
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 === -1 || sp2 === -1) return NOT_PLAIN;
  const method = requestLine.slice(0, sp1);
  const url = requestLine.slice(sp1 + 1, sp2);
  if (!METHODS.has(method) || requestLine.slice(sp2 + 1) !== 'HTTP/1.1' || !TARGET.test(url)) return NOT_PLAIN;
  const rawHeaders = [];
  let hosts = 0;
  let length = 0;
  let lengths = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return NOT_PLAIN;
    const name = line.slice(0, colon);
    const value = trimSpace(line, colon + 1);
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) return NOT_PLAIN;
    switch (name.toLowerCase()) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        if (!LENGTH.test(line.slice(colon + 1))) return NOT_PLAIN;
        length = Number(value);
        lengths++;
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return NOT_PLAIN;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return NOT_PLAIN;
    }
    rawHeaders.push(name, value);
  }
  // HTTP/1.1 requires one Host (node:http answers 400 without it); two lengths are a smuggling attempt.
  if (hosts !== 1 || lengths > 1 || length > bodyLimit) return NOT_PLAIN;
  const bodyStart = headEnd + 4;
  const end = bodyStart + length;
  if (buf.length < end) return NOT_PLAIN;
  return { method, url, rawHeaders, bodyStart, end };
}

/** `line` from `start`, without the spaces and tabs around it (a header value's optional whitespace). */
function trimSpace(line, start) {
  let from = start;
  let to = line.length;
  while (from < to && (line.charCodeAt(from) === 32 || line.charCodeAt(from) === 9)) from++;
  while (to > from && (line.charCodeAt(to - 1) === 32 || line.charCodeAt(to - 1) === 9)) to--;
  return line.slice(from, to);
}

/**
 * After bytes read from `socket` were put back (`unshift`) for node:http, which from then on reads the socket's
 * handle itself: nothing new passes through the stream that would carry them along, so they are read out here.
 * Call it on the next tick (before any new bytes arrive).
 */
export function readPutBack(socket) {
  if (socket.readableLength > 0 && !socket.destroyed) socket.read();
}

let dateSecond = -1;
let dateText = '';

/** The Date header's value now (IMF-fixdate), made once a second as node:http does. */
export function httpDate(now = Date.now()) {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * Writes an answer as node:http writes one on a keep-alive connection: the status line, `headers`
 * (`[name, value, ...]`, checked already: they are the gateway's own or a handler's the http adapter accepted,
 * with their content-length), Date, Connection and Keep-Alive (node's keepAliveTimeout: 5 s). No body for
 * 204 and 304. `connection: close` among `headers` closes the connection once written.
 */
export function writeAnswer(socket, status, headers, body) {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  let dated = false;
  let close = false;
  let connection = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    const value = headers[i + 1];
    if (name.length === 4 && name.toLowerCase() === 'date') dated = true;
    else if (name.length === 10 && name.toLowerCase() === 'connection') {
      connection = true;
      close = String(value).toLowerCase() === 'close';
    }
    head += `${name}: ${value}\r\n`;
  }
  if (!dated) head += `Date: ${httpDate()}\r\n`;
  head += connection ? '\r\n' : 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n';
  if (status === 204 || status === 304 || body === undefined || body.length === 0) socket.write(head, 'latin1');
  // As node:http: a string body goes out in one write with the head, both UTF-8; a Buffer after it.
  else if (typeof body === 'string') socket.write(head + body);
  else {
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(body);
    socket.uncork();
  }
  if (close) socket.end();
}
