import type { Payload, TypedUser } from 'payload'
import React from 'react'

import { DeskDashboard } from './DeskDashboard'
import { readDeskInitial } from './deskInitial'

/**
 * The desk as the server renders it (admin.components.beforeDashboard): its cards' data read with the
 * page as the signed-in user, so an editor sees what waits for them without waiting for the admin's
 * scripts to start and ask for it.
 */
export const DeskDashboardServer = async ({
  payload,
  user,
}: {
  payload: Payload
  user?: null | TypedUser
}) => {
  if (!user) return null
  return <DeskDashboard initial={await readDeskInitial(payload, user)} />
}
