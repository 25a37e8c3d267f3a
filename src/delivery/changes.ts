import type { Payload } from 'payload'

// A counter per Payload instance, bumped by the delivery plugin's hooks on every write to delivered
// content, so that this process never serves a cached response older than the last write it made.
const generations = new WeakMap<Payload, number>()

export const contentGeneration = (payload: Payload): number => generations.get(payload) ?? 0

export const noteContentChange = (payload: Payload): void => {
  generations.set(payload, contentGeneration(payload) + 1)
}
