import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from 'node:net'
import { onTestFinished } from 'vitest'

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1: point the app at it instead of the real service. */
  port: number
  /** Passes traffic through (the initial state). Connections cut or held by earlier faults stay gone. */
  restore(): void
  /** Resets every connection and refuses new ones: a service that restarted or went away. */
  cut(): void
  /**
   * Keeps every connection open but carries nothing either way, and accepts new connections that never
   * answer: a service (or network) that stops answering without closing anything. `restore()` resets the
   * held connections, as the end of a partition eventually does.
   */
  blackhole(): void
  close(): Promise<void>
}

/**
 * A TCP proxy in the test process between the app and a real service (PostgreSQL, Redis), so a test can
 * cut or blackhole the app's own connections without touching the service that other tests share.
 * Closed when the test ends.
 *
 * @example
 * const proxy = await startTcpProxy(5432)
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/test`
 * proxy.blackhole()
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'pass' | 'cut' | 'blackhole' = 'pass'
  const pairs = new Set<[Socket, Socket | undefined]>()
  const held = new Set<Socket>()
  // Half-open allowed, so that a blackholed connection swallows the app's FIN too instead of closing.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    client.on('error', () => {})
    if (mode === 'cut') {
      client.resetAndDestroy()
      return
    }
    if (mode === 'blackhole') {
      held.add(client)
      client.on('data', () => {}) // read and drop
      client.once('close', () => held.delete(client))
      return
    }
    const upstream = tcpConnect({ port: targetPort, host: targetHost, allowHalfOpen: true })
    upstream.on('error', () => client.destroy())
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.on('data', (chunk) => {
      if (mode === 'pass') upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (mode === 'pass') client.write(chunk)
    })
    client.on('end', () => {
      if (mode === 'pass') upstream.end()
    })
    upstream.on('end', () => {
      if (mode === 'pass') client.end()
    })
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.once('close', end)
    upstream.once('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const resetAll = () => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy()
      upstream?.destroy()
    }
    for (const client of held) client.resetAndDestroy()
  }
  const proxy: TcpProxy = {
    port: (server.address() as AddressInfo).port,
    restore() {
      if (mode === 'blackhole') resetAll()
      mode = 'pass'
    },
    cut() {
      mode = 'cut'
      resetAll()
    },
    blackhole() {
      mode = 'blackhole'
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll()
        server.close(() => resolve())
      }),
  }
  onTestFinished(() => proxy.close())
  return proxy
}
