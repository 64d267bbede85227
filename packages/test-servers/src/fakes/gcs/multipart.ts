import { badRequest } from './errors';

/** One part of a `multipart/related` body. */
export interface MultipartPart {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Parses a `multipart/related` body (RFC 2387, the framing of RFC 2046) as sent by a multipart upload:
 * `--boundary CRLF headers CRLF CRLF body CRLF --boundary ... --boundary--`. Works on bytes, because the media part
 * is binary.
 */
export function parseMultipartRelated(contentType: string | undefined, body: Buffer): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/related') || !match) {
    throw badRequest('A multipart upload needs Content-Type: multipart/related; boundary=...');
  }
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw badRequest('Multipart body has no boundary.');
  for (;;) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break; // close delimiter
    const headersStart = body.indexOf('\r\n', afterDelimiter) + 2;
    const headersEnd = body.indexOf('\r\n\r\n', headersStart - 2);
    const next = body.indexOf(delimiter, afterDelimiter);
    if (headersStart < 2 || headersEnd < 0 || next < 0) throw badRequest('Malformed multipart body.');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(headersStart, headersEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The CRLF before the next delimiter belongs to the delimiter, not to the body.
    let bodyEnd = next;
    if (body[bodyEnd - 2] === 0x0d && body[bodyEnd - 1] === 0x0a) bodyEnd -= 2;
    parts.push({ headers, body: body.subarray(headersEnd + 4, Math.max(headersEnd + 4, bodyEnd)) });
    start = next;
  }
  return parts;
}
