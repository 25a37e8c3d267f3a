import { isUtf8 } from 'node:buffer'

import chardet from 'chardet'
import iconv from 'iconv-lite'

/**
 * Bytes -> text for feeds and article pages, in the order feed readers use: byte-order mark, the
 * HTTP charset, the document's own declaration, then detection, with windows-1252 for bytes that are
 * not UTF-8. Decoded by iconv-lite: Node's `TextDecoder('windows-1252')` gives C1 controls for
 * 0x80-0x9F on Node 20 instead of curly quotes, dashes and the euro sign, which the cleaner would
 * then delete.
 *
 * A declaration the bytes contradict is skipped: "UTF-8" over bytes that are not UTF-8 (a Latin-1 feed
 * behind a default header), or a legacy charset over bytes that are valid UTF-8 with non-ASCII
 * characters (a UTF-8 feed behind a Latin-1 or GB2312 header: "CafÃ©", "鏂伴椈").
 */

/** How a charset label is read: the WHATWG mapping for the labels it widens. */
const canonical = (label: string): string | undefined => {
  const l = label.trim().toLowerCase()
  if (!l) return undefined
  // WHATWG: these labels all mean windows-1252; GB2312 and GBK are subsets of GB18030.
  if (
    ['iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'cp1252', 'x-cp1252'].includes(
      l,
    )
  )
    return 'windows-1252'
  if (['gb2312', 'gbk', 'x-gbk', 'cp936', 'gb_2312-80', 'euc-cn', 'gb18030'].includes(l))
    return 'gb18030'
  if (['utf8', 'utf-8', 'unicode-1-1-utf-8'].includes(l)) return 'utf-8'
  if (['shift_jis', 'shift-jis', 'sjis', 'x-sjis', 'ms_kanji', 'windows-31j', 'cp932'].includes(l))
    return 'shift_jis'
  if (['big5', 'big5-hkscs', 'cn-big5', 'x-x-big5'].includes(l)) return 'big5'
  return iconv.encodingExists(l) ? l : undefined
}

const hasNonAscii = (b: Buffer): boolean => b.some((x) => x > 0x7f)

/** Whether `bytes` read as `encoding` without a replacement character. */
const decodesCleanly = (bytes: Buffer, encoding: string): boolean =>
  !iconv.decode(bytes, encoding).includes('\ufffd') || bytes.includes(Buffer.from('\ufffd'))

export type Decoded = {
  text: string
  /** The encoding used. */
  encoding: string
  /** How it was chosen. */
  by: 'bom' | 'header' | 'declaration' | 'utf-8' | 'detected' | 'fallback'
}

/**
 * Whether the bytes agree with a declared charset: a declared UTF-8 must be valid UTF-8; any other
 * declared charset must not be hiding UTF-8. Text in a legacy charset (Latin-1, GBK, Big5,
 * Shift_JIS) is valid multi-byte UTF-8 only by rare accident beyond a few characters, while sites
 * that moved to UTF-8 and kept their old header or declaration are common.
 */
const agrees = (bytes: Buffer, encoding: string): boolean =>
  encoding === 'utf-8' ? isUtf8(bytes) : !(hasNonAscii(bytes) && isUtf8(bytes))

/** The detector's multi-byte answers are reliable on a few dozen characters; single-byte ones are not. */
const detect = (bytes: Buffer): string | undefined => {
  const best = chardet.analyse(bytes).find((m) => m.name !== 'UTF-8' && m.name !== 'ASCII')
  if (!best || best.confidence < 50) return undefined
  const encoding = canonical(best.name)
  if (!encoding || encoding === 'utf-8') return undefined
  return decodesCleanly(bytes, encoding) ? encoding : undefined
}

/**
 * Decodes `body` with the declarations given in order of authority (`header`: the Content-Type's
 * charset; `declared`: the XML declaration or `<meta charset>`).
 */
export const decodeBytes = (
  body: Buffer,
  { header, declared }: { header?: string; declared?: string } = {},
): Decoded => {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return { text: iconv.decode(body.subarray(3), 'utf-8'), encoding: 'utf-8', by: 'bom' }
  if (body[0] === 0xff && body[1] === 0xfe)
    return { text: iconv.decode(body.subarray(2), 'utf-16le'), encoding: 'utf-16le', by: 'bom' }
  if (body[0] === 0xfe && body[1] === 0xff)
    return { text: iconv.decode(body.subarray(2), 'utf-16be'), encoding: 'utf-16be', by: 'bom' }
  for (const [label, by] of [
    [header, 'header'],
    [declared, 'declaration'],
  ] as const) {
    const encoding = label ? canonical(label) : undefined
    // UTF-16 declared over bytes without a BOM that are ASCII-compatible is a copied declaration.
    if (!encoding || /^utf-?16/.test(encoding)) continue
    if (agrees(body, encoding)) return { text: iconv.decode(body, encoding), encoding, by }
  }
  if (isUtf8(body)) return { text: iconv.decode(body, 'utf-8'), encoding: 'utf-8', by: 'utf-8' }
  const detected = detect(body)
  if (detected) return { text: iconv.decode(body, detected), encoding: detected, by: 'detected' }
  return { text: iconv.decode(body, 'windows-1252'), encoding: 'windows-1252', by: 'fallback' }
}

const CHARSET_PARAM = /charset\s*=\s*["']?([^"';\s]+)/i
const XML_ENCODING = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/
const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i

export const charsetOf = (contentType: string | undefined): string | undefined =>
  CHARSET_PARAM.exec(contentType ?? '')?.[1]

/** A feed: BOM, the Content-Type charset, the XML declaration, then detection. */
export const decodeFeedBytes = (body: Buffer, contentType?: string): Decoded =>
  decodeBytes(body, {
    header: charsetOf(contentType),
    declared: XML_ENCODING.exec(body.subarray(0, 200).toString('latin1'))?.[1],
  })

/** An article page: BOM, the Content-Type charset, `<meta charset>`, then detection. */
export const decodePageBytes = (body: Buffer, contentType?: string): Decoded =>
  decodeBytes(body, {
    header: charsetOf(contentType),
    declared: META_CHARSET.exec(body.subarray(0, 2048).toString('latin1'))?.[1],
  })
