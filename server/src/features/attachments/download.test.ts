import { describe, expect, it } from 'vitest'
import { contentDisposition, createLinkSigner, decideRange } from './download.js'

describe('contentDisposition', () => {
  it.each([
    ['plain.pdf', `attachment; filename="plain.pdf"; filename*=UTF-8''plain.pdf`],
    ['Résumé "v2".pdf', `attachment; filename="R_sum_ _v2_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22v2%22.pdf`],
    ['100% back\\slash.txt', `attachment; filename="100_ back_slash.txt"; filename*=UTF-8''100%25%20back%5Cslash.txt`],
    ["it's (1)*.txt", `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`],
    ['写真.png', `attachment; filename="__.png"; filename*=UTF-8''%E5%86%99%E7%9C%9F.png`],
  ])('names %j safely in both forms', (name, header) => {
    expect(contentDisposition('attachment', name)).toBe(header)
  })

  it('never lets a line break or quote out of the value, whatever the name', () => {
    const header = contentDisposition('attachment', 'a"\r\nSet-Cookie: x=1;"\u2028.txt')
    expect(header).not.toMatch(/[\r\n\u2028]/)
    expect(header.match(/"/g)).toHaveLength(2)
  })
})

describe('decideRange', () => {
  const tag = '"abc"'
  it.each([
    ['bytes=0-4', { kind: 'partial', range: { start: 0, end: 4 } }],
    ['bytes=5-', { kind: 'partial', range: { start: 5, end: 9 } }],
    ['bytes=-3', { kind: 'partial', range: { start: 7, end: 9 } }],
    ['bytes=-50', { kind: 'partial', range: { start: 0, end: 9 } }],
    ['bytes=8-100', { kind: 'partial', range: { start: 8, end: 9 } }],
    ['bytes=9-9', { kind: 'partial', range: { start: 9, end: 9 } }],
    ['BYTES=1-2', { kind: 'partial', range: { start: 1, end: 2 } }],
    ['bytes=10-', { kind: 'unsatisfiable' }],
    ['bytes=10-20', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=5-2', { kind: 'full' }],
    ['bytes=0-1,4-5', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=abc', { kind: 'full' }],
    ['bytes=99999999999999999999-', { kind: 'full' }],
  ])('reads %j of 10 bytes as %j', (header, decision) => {
    expect(decideRange(header, 10, tag)).toEqual(decision)
  })

  it('serves the range only when If-Range names the current bytes', () => {
    expect(decideRange('bytes=0-1', 10, tag, tag)).toEqual({ kind: 'partial', range: { start: 0, end: 1 } })
    expect(decideRange('bytes=0-1', 10, tag, '"other"')).toEqual({ kind: 'full' })
    expect(decideRange('bytes=0-1', 10, tag, 'Wed, 21 Oct 2015 07:28:00 GMT')).toEqual({ kind: 'full' })
  })
})

describe('link signer', () => {
  const signer = createLinkSigner(new Uint8Array(32).fill(7))
  const claims = { attachmentId: 'att_1', userId: 'usr_1', variant: 'original', expires: 1_800_000_000 }

  it('verifies its own links and nothing altered', () => {
    const token = signer.sign(claims)
    expect(signer.verify(token)).toEqual(claims)
    const [payload, mac] = token.split('.') as [string, string]
    const forged = Buffer.from('att_2.usr_1.original.1800000000').toString('base64url')
    expect(signer.verify(`${forged}.${mac}`)).toBeUndefined()
    expect(signer.verify(`${payload}.${mac.slice(0, -1)}A`)).toBeUndefined()
    expect(signer.verify(`${payload}`)).toBeUndefined()
    expect(signer.verify(`${payload}.${mac}.x`)).toBeUndefined()
    expect(createLinkSigner(new Uint8Array(32).fill(8)).verify(token)).toBeUndefined()
  })
})
