import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import type { Problem } from '../generated/routes.js'
import { PROBLEM_TYPE_BASE } from './problem.js'

/** The most the request line and headers may take together (Node's default). */
export const MAX_HEADER_BYTES = 16 * 1024

// What Node itself answers to a request its parser refuses; `clientError` replaces that, so the rest is kept.
const BARE: Record<string, string> = {
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
}
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'

/**
 * Answers a request Node's HTTP parser refused before the app saw it (the `clientError` event). A request
 * line and headers over the parser's limit (16 KiB, a long URL included) get the documented 431 problem
 * with a request id, as every other refusal does; other parse errors get Node's own bare answers. The
 * connection closes either way: what follows on it cannot be framed.
 *
 * @example
 * server.on('clientError', (err, socket) => answerClientError(err, socket, logger))
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket, logger: Logger): void {
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy()
    return
  }
  let response = BARE[err.code ?? ''] ?? BAD_REQUEST
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const requestId = `req_${randomUUID().replaceAll('-', '')}`
    const problem: Problem = {
      type: `${PROBLEM_TYPE_BASE}request_header_fields_too_large`,
      title: 'Request header fields too large',
      status: 431,
      detail: `The request line and headers are longer than ${MAX_HEADER_BYTES} bytes.`,
      // The path is in what could not be read, so the problem names the root.
      instance: '/',
      code: 'request_header_fields_too_large',
      requestId,
    }
    const body = JSON.stringify(problem)
    response = [
      'HTTP/1.1 431 Request Header Fields Too Large',
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n')
    logger.info({ requestId, status: 431 }, 'request header fields too large')
  }
  socket.end(response)
  // The client may go on sending; it gets a second to read the answer.
  setTimeout(() => socket.destroy(), 1000).unref()
}
