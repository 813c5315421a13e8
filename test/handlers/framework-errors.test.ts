/**
 * What a function answers when functions-framework's middleware fails on its body, by kind of
 * failure: body-parser's errors (a 4xx status and a type), the CloudEvent middleware's TypeError
 * on a body that is not an object, and anything else (a 5xx: a retry may help).
 */
import { describe, expect, it } from 'vitest';
import { type BodyPolicy, frameworkAnswer } from '../../functions/handlers/framework-errors.ts';

const push: BodyPolicy = { kind: 'push', target: 'onAuditLog', source: 'event' };
const http: BodyPolicy = { kind: 'http', target: 'bootstrap' };

/** An error as body-parser makes one (http-errors: status, type, expose). */
function parserError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}

const json = { headers: { 'content-type': 'application/json' }, body: undefined };
const syntax = parserError(400, 'entity.parse.failed', 'Unexpected end of JSON input');
const charset = parserError(415, 'charset.unsupported', 'unsupported charset "UTF-7"');
const large = parserError(413, 'entity.too.large', 'request entity too large');
const typeError = new TypeError("Cannot use 'in' operator to search for 'context' in hello");
const stream = Object.assign(new Error('stream is not readable'), { status: 500 });

describe('frameworkAnswer', () => {
  it('a Pub/Sub function answers another method than POST 405, logging nothing', () => {
    expect(frameworkAnswer(push, typeError, { method: 'GET', headers: {} })).toEqual({
      status: 405,
      body: { error: 'method GET not allowed; use POST' },
    });
  });

  it.each([
    [
      'JSON that does not parse',
      syntax,
      json,
      400,
      'the body is not valid JSON (Unexpected end of JSON input)',
    ],
    [
      'an unsupported charset',
      charset,
      json,
      415,
      'the body cannot be read (unsupported charset "UTF-7")',
    ],
    ['a body too large', large, json, 413, 'the body is too large'],
  ])(
    'bootstrap answers %s with its status and the reason, logging nothing',
    (_n, err, req, status, error) => {
      expect(frameworkAnswer(http, err, req)).toEqual({ status, body: { error } });
    },
  );

  it('says when the body is JSON but not an object (body-parser refuses it in strict mode)', () => {
    const strict = Object.assign(parserError(400, 'entity.parse.failed', 'Unexpected token'), {
      body: '"topology"',
    });
    expect(frameworkAnswer(http, strict, json)).toEqual({
      status: 400,
      body: { error: 'the body is JSON, but not an object' },
    });
  });

  it('bootstrap answers a failure that is not the body 500 in JSON, logged at ERROR', () => {
    const a = frameworkAnswer(http, stream, { headers: {}, body: {} });
    expect(a).toMatchObject({
      status: 500,
      body: { error: "internal error (Error); see the function's log" },
      log: { severity: 'ERROR', message: expect.stringContaining('stream is not readable') },
    });
  });

  it.each([
    ['JSON that does not parse', syntax, json, 'the body is not valid JSON'],
    ['an unsupported charset', charset, json, 'unsupported charset'],
    [
      'a text body',
      typeError,
      { headers: { 'content-type': 'text/plain' }, body: 'hello' },
      'the body is not a JSON object (Content-Type: text/plain)',
    ],
    [
      'no body',
      typeError,
      { headers: {} },
      'the request has no body it can read (Content-Type: none)',
    ],
  ])('a Pub/Sub function acknowledges %s (204) with an ERROR line', (_n, err, req, reason) => {
    const a = frameworkAnswer(push, err, req);
    expect(a).toEqual({
      status: 204,
      log: {
        severity: 'ERROR',
        message: expect.stringMatching(
          /^malformed request to onAuditLog: .*: not a Pub\/Sub push; acknowledged$/,
        ),
        fields: expect.objectContaining({ failure: 'bad-input' }),
      },
    });
    expect(a.log?.message).toContain(reason);
  });

  it('a Pub/Sub function answers a failure that is not the body 500 in JSON, so Pub/Sub redelivers', () => {
    const a = frameworkAnswer(push, stream, { headers: {}, body: {} });
    expect(a).toMatchObject({
      status: 500,
      body: {
        error: expect.stringMatching(/^unexpected error: Error: stream is not readable; retried/),
      },
      log: { severity: 'ERROR' },
    });
  });
});
