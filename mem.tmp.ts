import { TransformPool } from './src/importer/pool'
const rss0 = process.memoryUsage().rss
const pool = await TransformPool.create(2, { known: new Set(), spillBase: '/tmp/x' })
const rss1 = process.memoryUsage().rss
console.log('rss before', (rss0/1e6).toFixed(0), 'after start', (rss1/1e6).toFixed(0))
await pool.close()
console.log('after close', (process.memoryUsage().rss/1e6).toFixed(0))
