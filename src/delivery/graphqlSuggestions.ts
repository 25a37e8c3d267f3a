/**
 * GraphQL's validation answers an unknown field or type with "Did you mean ...?", naming fields of
 * the schema: with introspection off, that lets a client read the schema out one guess at a time.
 * This removes the suggestions from an error response's messages (the error itself stays).
 * graphql-js 16 has no switch for it (17 does: `hideSuggestions`).
 */
export const withoutSuggestions = async (response: Response): Promise<Response> => {
  if (!response.headers.get('content-type')?.includes('json')) return response
  const text = await response.text()
  if (!text.includes('Did you mean')) return new Response(text, response)
  let body: { errors?: { message?: unknown }[] }
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    return new Response(text, response)
  }
  for (const error of body.errors ?? []) {
    if (typeof error.message === 'string') {
      error.message = error.message.replace(/ ?Did you mean [^?]*\?/g, '')
    }
  }
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  return new Response(JSON.stringify(body), { status: response.status, headers })
}
