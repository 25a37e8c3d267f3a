/**
 * A JSON column's value given as its text: the bulk writers (./bulk.ts) store the text as it is,
 * instead of stringifying a tree. Anything else that serialises it with `JSON.stringify` (drizzle's
 * own insert, Payload's adapter writes) gets the same value from `toJSON`.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text)
  }
}
