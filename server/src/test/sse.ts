/** One event as an EventSource would dispatch it, with `data` parsed as JSON. */
export interface ParsedEvent {
  id?: string
  event: string
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON whose shape the spec checker has already checked; tests read its fields.
  data: any
}

/** What a block of a `text/event-stream` holds: an event, a `retry:` hint, or only comments. */
export interface SseBlock {
  event?: ParsedEvent
  retry?: number
  comments: string[]
}

/**
 * Splits a `text/event-stream` into blocks as they arrive (WHATWG HTML "event stream interpretation",
 * restricted to what the server sends: LF line ends, one `data:` line per event).
 *
 * @example
 * const parser = sseParser()
 * for (const block of parser.push(chunk)) console.log(block.event)
 */
export function sseParser() {
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    push(chunk: Uint8Array): SseBlock[] {
      buffer += decoder.decode(chunk, { stream: true })
      const blocks: SseBlock[] = []
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        blocks.push(parseBlock(buffer.slice(0, end)))
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
      }
      return blocks
    },
    /** Bytes received after the last complete block. */
    rest: () => buffer,
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = { comments: [] }
  let id: string | undefined
  let event: string | undefined
  const data: string[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      block.comments.push(line.slice(1).trim())
      continue
    }
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') id = value
    else if (field === 'event') event = value
    else if (field === 'data') data.push(value)
    else if (field === 'retry') block.retry = Number(value)
    else throw new Error(`unknown event stream field ${JSON.stringify(field)} in ${JSON.stringify(text)}`)
  }
  if (data.length > 0) {
    block.event = { event: event ?? 'message', data: JSON.parse(data.join('\n')) }
    if (id !== undefined) block.event.id = id
  }
  return block
}
