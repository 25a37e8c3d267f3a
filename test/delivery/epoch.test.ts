import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Payload, PayloadRequest } from 'payload'

import { bumpContentEpoch, readContentEpoch } from '../../src/store/epoch'
import { bootPayload } from '../helpers/payload'

let payload: Payload
beforeAll(async () => {
  payload = await bootPayload()
}, 120_000)
afterAll(async () => {
  await payload?.destroy()
})

/** A writer's transaction (none where the adapter runs without them, as SQLite does here). */
const transaction = async (): Promise<Partial<PayloadRequest> | undefined> => {
  const transactionID = await payload.db.beginTransaction()
  return transactionID == null ? undefined : { transactionID, payload }
}
const commit = async (req: Partial<PayloadRequest> | undefined) => {
  if (req?.transactionID) await payload.db.commitTransaction(req.transactionID)
}

/** Only PostgreSQL's transactions overlap: SQLite writes one after the other. */
const overlapping = () => payload.db.name === 'postgres'

describe('the content epoch', () => {
  it('is bumped by writers racing on a fresh database, and every writer commits', async () => {
    if (payload.db.name === 'mongoose') return // bumped outside transactions there
    await payload.db.deleteMany({ collection: 'delivery-epochs', where: {} })
    const first = await transaction()
    await bumpContentEpoch(payload, first)
    const second = await transaction()
    // On PostgreSQL the second bump waits on the first's row lock until the first commits; an
    // insert that failed on the unique key there would abort the second transaction.
    const bumping = overlapping() ? bumpContentEpoch(payload, second) : null
    await commit(first)
    const afterFirst = await readContentEpoch(payload)
    expect(afterFirst).not.toBe('none')
    await (bumping ?? bumpContentEpoch(payload, second))
    await commit(second)
    const afterSecond = await readContentEpoch(payload)
    expect(afterSecond).not.toBe(afterFirst)
    const { totalDocs } = await payload.db.count({ collection: 'delivery-epochs', where: {} })
    expect(totalDocs).toBe(1)
  })

  it('is not seen by readers before the writer that bumped it commits', async () => {
    if (!overlapping()) return
    await bumpContentEpoch(payload)
    const before = await readContentEpoch(payload)
    const writer = await transaction()
    await bumpContentEpoch(payload, writer)
    expect(await readContentEpoch(payload)).toBe(before)
    await payload.db.rollbackTransaction(writer!.transactionID!)
    expect(await readContentEpoch(payload)).toBe(before)
  })
})
