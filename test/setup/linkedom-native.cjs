// `linkedom` as the test environment (test/setup/environment.mjs) loaded it with Node's own require.
module.exports = globalThis.__nodeLinkedom
