// The part of autocannon's programmatic API bench/delivery.ts uses (the package ships no types).
declare module 'autocannon' {
  type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string }
  type Options = {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    requests?: (Request & { setupRequest?: (req: Request) => Request })[]
  }
  type Histogram = { average: number; p50: number; p99: number }
  type Result = {
    requests: Histogram
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
  }
  const autocannon: (options: Options) => Promise<Result>
  export default autocannon
}
